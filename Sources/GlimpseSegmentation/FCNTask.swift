// FCNTask: FCN training as a `TrainingTask`: each step takes a few whole images (the trainer's
// batch) and their label maps; the loss is the per-pixel softmax cross-entropy ignoring label
// 255, averaged over the labelled pixels (torchvision's; the FCN repository sums it instead
// and divides its learning rate by the pixel count, 1e-10 for VGG16 on 500x375 images, which
// with Adam makes no difference to the step). Images whose size is not `inputSize` squared are
// resized to it (bilinear; nearest for their label maps) so a batch stacks; the scenes already
// are. Validation: the FCN paper's four numbers through GlimpseEvaluation's confusion matrix,
// on the validation images at their own size. With an input scale (InputScale), a training image
// of `inputSize` is resampled by it and its label map brought to that size (nearest), and the
// validation scores are brought back to the image's size, as the pipeline does.

import GlimpseEvaluation
import GlimpseImaging
import GlimpseNN
import GlimpseTensor
import GlimpseTraining

/// FCN's end-to-end training on images with label maps.
public struct FCNTask: TrainingTask {
    /// One step's images and labels.
    public struct Batch {
        /// The images, `[N, C, S, S]`.
        public var images: Tensor
        /// One class id (or 255) per pixel, row-major over `[N, S, S]`.
        public var labels: [Int]
    }

    /// The training images.
    public let training: SegmentationSet
    /// The images validated on after each epoch (nil: none).
    public let validation: SegmentationSet?
    /// How images become network input (`inputSize`: the side training images are brought to).
    public let preprocessing: ImagePreprocessing
    /// Parameter-name prefixes that are not trained (the upsampling always).
    public let frozenPrefixes: [String]
    /// The factor images are resampled by before the network (1: none).
    public let inputScale: Double
    /// Validation images per forward pass (when they share a size).
    public var validationBatch = 16

    /// Creates the task; `validation` must have `training`'s classes.
    public init(training: SegmentationSet, validation: SegmentationSet?, preprocessing: ImagePreprocessing, frozenPrefixes: [String] = [],
                inputScale: Double = 1) {
        precondition(validation == nil || validation!.classes == training.classes, "FCNTask: validation has other classes")
        precondition(InputScale.range.contains(inputScale), "FCNTask: input scale \(inputScale) outside \(InputScale.range)")
        (self.training, self.validation, self.preprocessing, self.inputScale) = (training, validation, preprocessing, inputScale)
        self.frozenPrefixes = Array(Set(frozenPrefixes + [FCNNetwork.upsamplingPrefix])).sorted()
    }

    /// Training images.
    public var exampleCount: Int { training.examples.count }

    /// A seeded permutation of the images.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: exampleCount, epoch: epoch, seed: seed)
    }

    /// An example brought to `inputSize` squared.
    func sized(_ example: SegmentationExample) -> (Image, LabelMap) {
        let s = preprocessing.inputSize
        guard example.image.width != s || example.image.height != s else { return (example.image, example.labelMap) }
        return (example.image.resized(width: s, height: s), example.labelMap.resized(width: s, height: s))
    }

    /// The images at `indices` and their labels (no augmentation: digits are not mirror-symmetric),
    /// resampled by `inputScale`: `[N, C, S, S]` with S = `inputSize` times the scale, rounded up.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        let side = preprocessing.inputSize
        let s = inputScale == 1 ? side : InputScale.scaledSide(side, by: inputScale)
        var pixels = [Float](), labels = [Int]()
        pixels.reserveCapacity(indices.count * preprocessing.channels * s * s)
        labels.reserveCapacity(indices.count * s * s)
        for index in indices {
            let (image, map) = sized(training.examples[index])
            let input = preprocessing.tensorAtNativeSize(for: image)
            pixels += (s == side ? input : InputScale.resample(input, height: s, width: s, factor: inputScale)).scalars
            labels += (s == side ? map : map.resized(width: s, height: s)).ids.map(Int.init)
        }
        return Batch(images: Tensor(shape: [indices.count, preprocessing.channels, s, s], scalars: pixels), labels: labels)
    }

    /// The loss and its gradients; metric: pixel `accuracy` over labelled pixels (per image).
    public func lossAndGradients(model: inout FCNNetwork, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients(frozenPrefixes: frozenPrefixes)
        var context = ForwardContext(random: random)
        let (scores, pullback) = model.forward(batch.images, context: &context)
        random = context.random
        let (loss, dScores) = SoftmaxCrossEntropy.lossAndGradient(logits: scores, labels: batch.labels, ignoreLabel: Int(LabelMap.ignore))
        _ = pullback(dScores, &gradients)
        let n = batch.images.shape[0]
        var correct = 0, counted = 0
        let predicted = Self.labelMaps(scores)
        for (i, label) in batch.labels.enumerated() where label != Int(LabelMap.ignore) {
            counted += 1
            if Int(predicted[i / predicted[0].ids.count].ids[i % predicted[0].ids.count]) == label { correct += 1 }
        }
        return TaskStep(loss: loss, examples: n,
                        metricSums: ["accuracy": counted == 0 ? 0 : Double(correct) / Double(counted) * Double(n)], gradients: gradients)
    }

    /// The argmax label map of each image of `scores` `[N, K, H, W]`.
    static func labelMaps(_ scores: Tensor) -> [LabelMap] {
        (0..<scores.shape[0]).map { FCNSegmenter.argmax(scores.item($0).reshaped([1] + scores.shape.dropFirst())) }
    }

    /// The confusion matrix of `model` on `set` (images at their own size).
    public func confusion(_ model: FCNNetwork, on set: SegmentationSet) -> ConfusionMatrix {
        var matrix = ConfusionMatrix(classCount: set.classes.count)
        var start = 0
        while start < set.examples.count {
            // A run of images of one size goes through in one batch.
            let first = set.examples[start].image
            var end = start + 1
            while end < set.examples.count, end - start < validationBatch,
                  set.examples[end].image.width == first.width, set.examples[end].image.height == first.height { end += 1 }
            let inputs = set.examples[start..<end].map { preprocessing.tensorAtNativeSize(for: $0.image) }
            let input = inputs.count == 1 ? inputs[0] : Tensor.stack(inputs.map { $0.reshaped(Array($0.shape.dropFirst())) })
            let maps = Self.labelMaps(FCNSegmenter.scores(model, input: input, inputScale: inputScale))
            for (k, map) in maps.enumerated() { matrix.add(groundTruth: set.examples[start + k].labelMap, prediction: map) }
            start = end
        }
        return matrix
    }

    /// Pixel accuracy, mean accuracy, mIoU and fwIoU on the validation images (empty without them).
    public func validate(_ model: FCNNetwork) -> [String: Double] {
        guard let validation else { return [:] }
        return Self.figures(SegmentationMetrics(confusion(model, on: validation)))
    }

    /// The paper's four numbers by name (`pixel_accuracy`, `mean_accuracy`, `mIoU`, `fwIoU`).
    public static func figures(_ m: SegmentationMetrics) -> [String: Double] {
        ["pixel_accuracy": m.pixelAccuracy ?? 0, "mean_accuracy": m.meanClassAccuracy ?? 0, "mIoU": m.meanIoU ?? 0,
         "fwIoU": m.frequencyWeightedIoU ?? 0]
    }

    /// `epoch:loss:pixel accuracy:val pixel acc:val mean acc:val mIoU:val fwIoU`.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.4f:%@", summary.epoch, summary.loss, summary.metrics["accuracy"] ?? 0,
                      v["mIoU"].map { _ in String(format: "%.4f:%.4f:%.4f:%.4f", v["pixel_accuracy"]!, v["mean_accuracy"]!, v["mIoU"]!, v["fwIoU"]!) } ?? "n/a")
    }
}
