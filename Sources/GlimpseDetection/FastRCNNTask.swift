// FastRCNNTask: Fast R-CNN training as a `TrainingTask` (Girshick 2015, section 2.3): each step
// takes a few images (the trainer's batch) and samples RoIs from each one's proposals plus its
// ground-truth boxes: a quarter foreground (IoU >= 0.5, labelled with the matched box's class),
// the rest background. The multi-task loss is softmax cross-entropy over the classes plus
// background, plus smooth L1 (beta 1) on the true class's normalised box deltas of foreground
// RoIs, divided by the number of RoIs (lambda = 1). One trunk pass per image serves all of its RoIs.
//
// One difference from `minibatch.py`, an option: background RoIs are drawn from IoU [0, 0.5)
// by default, not [0.1, 0.5). The scenes' textures hold many object-like regions far from
// any digit, and a detector never shown them scores them (`--background-low 0.1` restores it).

import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor
import GlimpseTraining

/// Fast R-CNN's end-to-end training on images with proposals.
public struct FastRCNNTask: TrainingTask {
    /// One step's images and RoIs.
    public struct Batch {
        /// The images, `[N, C, S, S]`.
        public var images: Tensor
        /// RoIs `[R, 5]` in input pixels (see `FastRCNNDetector.rois`).
        public var rois: Tensor
        /// Each RoI's class slot (0: background).
        public var labels: [Int]
        /// Normalised regression targets `[R, 4 * slots]` and their weights (1 on a foreground
        /// RoI's true class, 0 elsewhere).
        public var targets: Tensor, weights: Tensor
    }

    /// The training images with proposals.
    public let training: DetectionSet
    /// The images AP is measured on after each epoch (nil: none).
    public let validation: DetectionSet?
    /// The RoI sampling (per image).
    public let sampler: ProposalSampler
    /// Target normalisation.
    public let boxCoder: BoxCoder
    /// How images become network input.
    public let preprocessing: ImagePreprocessing
    /// Parameter-name prefixes that are not trained.
    public let frozenPrefixes: [String]
    /// Proposals used per image (the proposer's best), in training and validation.
    public let maxProposals: Int
    /// Slot of each source class id.
    let slotOfClass: [Int: Int]

    /// Creates the task; `validation` must have `training`'s categories.
    public init(training: DetectionSet, validation: DetectionSet?, sampler: ProposalSampler, boxCoder: BoxCoder = .fastRCNN,
                preprocessing: ImagePreprocessing, frozenPrefixes: [String] = [], maxProposals: Int = 2000) {
        precondition(validation == nil || validation!.categoryIDs == training.categoryIDs, "FastRCNNTask: validation has other categories")
        (self.training, self.validation, self.sampler, self.boxCoder) = (training, validation, sampler, boxCoder)
        (self.preprocessing, self.frozenPrefixes, self.maxProposals) = (preprocessing, frozenPrefixes, maxProposals)
        var slots = [Int: Int]()
        for (k, id) in training.categoryIDs.enumerated() { slots[id] = k + 1 }
        slotOfClass = slots
    }

    /// Training images.
    public var exampleCount: Int { training.examples.count }

    /// Class slots (background included).
    public var slots: Int { training.categories.count + 1 }

    /// A seeded permutation of the images.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        SeededGenerator.epochOrder(count: exampleCount, epoch: epoch, seed: seed)
    }

    /// The images at `indices` and `sampler.batchSize` RoIs sampled from each.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        let size = preprocessing.inputSize
        var pixels = [Float]()
        var regions = Regions()
        for (b, index) in indices.enumerated() {
            let example = training.examples[index]
            pixels += preprocessing.tensor(for: example.image).scalars
            sampleRegions(of: example, proposals: Array(example.proposals.prefix(maxProposals)), batchIndex: b, into: &regions, random: &random)
        }
        let r = regions.labels.count
        return Batch(images: Tensor(shape: [indices.count, preprocessing.channels, size, size], scalars: pixels),
                     rois: Tensor(shape: [r, 5], scalars: regions.rois), labels: regions.labels,
                     targets: Tensor(shape: [r, 4 * slots], scalars: regions.targets),
                     weights: Tensor(shape: [r, 4 * slots], scalars: regions.weights))
    }

    /// RoI rows, labels and regression targets being gathered for one step (`Batch`'s fields as flat arrays).
    public struct Regions {
        /// RoI rows, 5 per RoI.
        public var rois = [Float]()
        /// Class slot per RoI.
        public var labels = [Int]()
        /// Targets and weights, `4 * slots` per RoI.
        public var targets = [Float](), weights = [Float]()
        /// Empty.
        public init() {}
    }

    /// Samples `sampler.batchSize` RoIs of `example` (image `batchIndex` of the step) from
    /// `proposals` (image pixels) plus its ground truth, and appends their rows, labels and
    /// targets to `regions`. Fast R-CNN passes the stored proposals; Faster R-CNN the RPN's.
    public func sampleRegions(of example: DetectionExample, proposals: [BoundingBox], batchIndex: Int, into regions: inout Regions,
                              random: inout SeededGenerator) {
        let sampled = sampler.sample(proposals: proposals, groundTruth: example.boxes, random: &random)
        regions.rois += FastRCNNDetector.rois(sampled.map(\.box), imageWidth: example.image.width, imageHeight: example.image.height,
                                              inputSize: preprocessing.inputSize, batchIndex: batchIndex).scalars
        regions.labels += sampled.map { region in region.label.map { slotOfClass[$0]! } ?? 0 }
        let (t, w) = boxCoder.regressionTargets(for: sampled, groundTruth: example.boxes, slots: slots) { slotOfClass[$0]! }
        regions.targets += t.scalars
        regions.weights += w.scalars
    }

    /// The multi-task loss of `scores` `[R, slots]` and `deltas` `[R, 4 * slots]` against RoI
    /// `labels`, `targets` and `weights` (`[R, 4 * slots]`): cross-entropy and smooth L1 (beta 1),
    /// both over the R RoIs, with their gradients.
    public static func loss(scores: Tensor, deltas: Tensor, labels: [Int], targets: Tensor, weights: Tensor)
        -> (cls: Float, box: Float, dScores: Tensor, dDeltas: Tensor) {
        let (classLoss, dScores) = SoftmaxCrossEntropy.lossAndGradient(logits: scores, labels: labels)
        let (boxLoss, dDeltas) = SmoothL1Loss.lossAndGradient(predictions: deltas, targets: targets, weights: weights,
                                                              beta: 1, normalizer: Float(labels.count))
        return (classLoss, boxLoss, dScores, dDeltas)
    }

    /// The multi-task loss and its gradients; metrics: `cls` and `box` losses and RoI `accuracy` (per image).
    public func lossAndGradients(model: inout FastRCNNNetwork, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var gradients = Gradients(frozenPrefixes: frozenPrefixes)
        var context = ForwardContext(random: random)
        let (scores, deltas, pullback) = model.forward(images: batch.images, rois: batch.rois, context: &context)
        random = context.random
        let r = Float(batch.labels.count)
        let (classLoss, boxLoss, dScores, dDeltas) = Self.loss(scores: scores, deltas: deltas, labels: batch.labels,
                                                               targets: batch.targets, weights: batch.weights)
        pullback(dScores, dDeltas, &gradients)
        let images = Double(batch.images.shape[0])
        let correct = zip(scores.argmaxRows(), batch.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return TaskStep(loss: classLoss + boxLoss, examples: batch.images.shape[0],
                        metricSums: ["cls": Double(classLoss) * images, "box": Double(boxLoss) * images,
                                     "accuracy": Double(correct) / Double(r) * images],
                        gradients: gradients)
    }

    /// AP, AP50 and AP75 on the validation images (empty without them).
    public func validate(_ model: FastRCNNNetwork) -> [String: Double] {
        guard let validation else { return [:] }
        let detector = FastRCNNDetector.forValidation(model, categories: training.categories, categoryIDs: training.categoryIDs,
                                                      preprocessing: preprocessing, boxCoder: boxCoder, maxProposals: maxProposals)
        return DetectionValidation.evaluate(validation) { detector.detect($0.image, proposals: $0.proposals) }
    }

    /// `epoch:loss:cls:box:roi accuracy:AP:AP50:AP75`.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let v = summary.validation
        return String(format: "%d:%.5f:%.5f:%.5f:%.4f:%@", summary.epoch, summary.loss, summary.metrics["cls"] ?? 0,
                      summary.metrics["box"] ?? 0, summary.metrics["accuracy"] ?? 0,
                      v["AP"].map { String(format: "%.4f:%.4f:%.4f", $0, v["AP50"]!, v["AP75"]!) } ?? "n/a")
    }
}

extension FastRCNNDetector {
    /// A detector around a network being trained (no weights file; identity "in training").
    static func forValidation(_ network: FastRCNNNetwork, categories: [String], categoryIDs: [Int], preprocessing: ImagePreprocessing,
                              boxCoder: BoxCoder, maxProposals: Int) -> FastRCNNDetector {
        FastRCNNDetector(network: network,
                         description: DetectorDescription(method: conformanceName, categories: categories, categoryIDs: categoryIDs,
                                                          preprocessing: preprocessing, proposals: "", boxStds: boxCoder.stds),
                         maxProposals: maxProposals,
                         identity: BackboneIdentity(architecture: "fast-rcnn-deepconvnet", weightsDigest: "training", weightsFile: "(training)"))
    }
}
