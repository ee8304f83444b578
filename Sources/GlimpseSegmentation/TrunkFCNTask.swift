// TrunkFCNTask: training the `trunk-fcn` head (TrunkFCNNetwork) as a `TrainingTask`. The trunk
// is the detector's and stays frozen, so its maps are computed once, when the task is made
// (im2txt's first phase does the same with its CNN): every step is the head alone, on the cached
// relu6 maps of a few images, against the label at each cell's centre. The loss is the per-cell
// softmax cross-entropy ignoring label 255, averaged over the labelled cells. Validation: the
// FCN paper's four numbers on the validation images at their own size, through the same
// interpolation the pipeline stage uses.

import GlimpseEvaluation
import GlimpseImaging
import GlimpseNN
import GlimpseTensor
import GlimpseTraining

/// The trunk-fcn head's training on images with label maps.
public struct TrunkFCNTask: TrainingTask {
    /// One step's maps and cell labels.
    public struct Batch {
        /// The trunk maps, `[N, 64, h, w]`.
        public var maps: Tensor
        /// One class id (or 255) per cell, row-major over `[N, h, w]`.
        public var labels: [Int]
    }

    /// The training images' classes.
    public let classes: [String]
    /// How images become the trunk's input (the detector's).
    public let preprocessing: ImagePreprocessing
    /// Each training image's trunk map, `[64, h, w]`.
    let trainingMaps: [Tensor]
    /// Each training image's cell labels (`h * w`).
    let trainingLabels: [[UInt8]]
    /// Each validation image's trunk map `[64, h, w]`, and its label map at image size.
    let validation: [(map: Tensor, truth: LabelMap)]

    /// Runs `trunk` once over every image of `training` and `validation` (in batches of `batch`)
    /// and keeps the maps; `validation` must have `training`'s classes.
    public init(trunk: Sequential, preprocessing: ImagePreprocessing, training: SegmentationSet, validation: SegmentationSet?, batch: Int = 16,
                progress: (Int, Int) -> Void = { _, _ in }) {
        precondition(validation == nil || validation!.classes == training.classes, "TrunkFCNTask: validation has other classes")
        precondition(batch >= 1, "TrunkFCNTask: batch \(batch)")
        (classes, self.preprocessing) = (training.classes, preprocessing)
        let total = training.examples.count + (validation?.examples.count ?? 0)
        var done = 0
        func maps(_ images: [Image]) -> [Tensor] {
            var out = [Tensor]()
            for start in stride(from: 0, to: images.count, by: batch) {
                let inputs = images[start..<min(images.count, start + batch)].map { preprocessing.tensor(for: $0) }
                let stacked = inputs.count == 1 ? inputs[0] : Tensor.stack(inputs.map { $0.reshaped(Array($0.shape.dropFirst())) })
                let computed = trunk(stacked)
                out += (0..<computed.shape[0]).map { computed.item($0) }
                done += inputs.count
                progress(done, total)
            }
            return out
        }
        trainingMaps = maps(training.examples.map(\.image))
        let side = trainingMaps.first?.shape[2] ?? 0
        trainingLabels = training.examples.map { TrunkFCNNetwork.cellLabels($0.labelMap, side: side, inputSize: preprocessing.inputSize) }
        let validationExamples = validation?.examples ?? []
        self.validation = Array(zip(maps(validationExamples.map(\.image)), validationExamples.map(\.labelMap))).map { (map: $0.0, truth: $0.1) }
    }

    /// Training images.
    public var exampleCount: Int { trainingMaps.count }

    /// A seeded permutation of the images.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: exampleCount, epoch: epoch, seed: seed)
    }

    /// The cached maps at `indices` and their cell labels (no augmentation).
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        Batch(maps: Tensor.stack(indices.map { trainingMaps[$0] }), labels: indices.flatMap { trainingLabels[$0].map(Int.init) })
    }

    /// The loss and the head's gradients; metric: cell `accuracy` over labelled cells (per image).
    public func lossAndGradients(model: inout Sequential, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients()
        var context = ForwardContext(random: random)
        let (scores, pullback) = model.forward(batch.maps, context: &context)
        random = context.random
        let (loss, dScores) = SoftmaxCrossEntropy.lossAndGradient(logits: scores, labels: batch.labels, ignoreLabel: Int(LabelMap.ignore))
        _ = pullback(dScores, &gradients)
        let (n, k) = (scores.shape[0], scores.shape[1])
        let plane = scores.shape[2] * scores.shape[3]
        var correct = 0, counted = 0
        scores.withUnsafeBufferPointer { s in
            for (i, label) in batch.labels.enumerated() where label != Int(LabelMap.ignore) {
                let (image, cell) = (i / plane, i % plane)
                var (best, top) = (0, s[image * k * plane + cell])
                for c in 1..<k where s[(image * k + c) * plane + cell] > top { (best, top) = (c, s[(image * k + c) * plane + cell]) }
                counted += 1
                if best == label { correct += 1 }
            }
        }
        return TaskStep(loss: loss, examples: n,
                        metricSums: ["accuracy": counted == 0 ? 0 : Double(correct) / Double(counted) * Double(n)], gradients: gradients)
    }

    /// Pixel accuracy, mean accuracy, mIoU and fwIoU of `head` on the validation images (empty without them).
    public func validate(_ head: Sequential) -> [String: Double] {
        guard !validation.isEmpty else { return [:] }
        var matrix = ConfusionMatrix(classCount: classes.count)
        for (map, truth) in validation {
            let scores = head(map.reshaped([1] + map.shape))
            matrix.add(groundTruth: truth, prediction: TrunkFCNNetwork.labelMap(scores: scores, inputSize: preprocessing.inputSize,
                                                                                 imageWidth: truth.width, imageHeight: truth.height))
        }
        return FCNTask.figures(SegmentationMetrics(matrix))
    }

    /// `epoch:loss:cell accuracy:val pixel acc:val mean acc:val mIoU:val fwIoU`.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.4f:%@", summary.epoch, summary.loss, summary.metrics["accuracy"] ?? 0,
                      v["mIoU"].map { _ in String(format: "%.4f:%.4f:%.4f:%.4f", v["pixel_accuracy"]!, v["mean_accuracy"]!, v["mIoU"]!, v["fwIoU"]!) } ?? "n/a")
    }
}
