// ClassificationTask: image classification as a `TrainingTask`: a labelled image set (MNIST's IDX
// files, a folder of class subfolders), the photo and digit augmentations, softmax cross-entropy,
// and accuracy on a held-out validation set. `Trainer(config:trainSet:)` builds the whole run
// (network, pretrained weights, hold-out, optimizer, schedule) from a `TrainingConfig`.

import Foundation
import GlimpseModels
import GlimpseDatasets
import GlimpseNN
import GlimpseOptim
import GlimpseSerialization
import GlimpseTensor

/// Supervised classification of images into `training.classCount` classes.
public struct ClassificationTask<Data: ClassificationData>: TrainingTask {
    /// A batch: images `[N, C, H, W]` and their `N` class indices.
    public struct Batch {
        /// The images, `[N, C, H, W]`.
        public var images: Tensor
        /// The class index of each image.
        public var labels: [Int]
        /// The example number of image 0: its position in the epoch order (image n is example
        /// `firstExample + n`); keys the per-example random streams.
        public var firstExample: Int
    }

    /// The training images (after the hold-out).
    public let training: Data
    /// The held-out validation images (nil without a hold-out).
    public let validation: Data?
    /// Shifts and rotations of digits (nil: off).
    public let digitAugmentation: MNISTAugmentation?
    /// Flips and resized crops of photos (identity: off).
    public let photoAugmentation: PhotoAugmentation
    /// Parameter-name prefixes that get no gradient and no update.
    public let frozenPrefixes: [String]
    /// Images per batch when validating.
    public let evaluationBatchSize: Int
    /// The last batch's buffers, refilled in place by the next.
    private var images = Tensor(zeros: [0])
    private var labels = [Int]()

    /// Creates the task.
    public init(training: Data, validation: Data?, digitAugmentation: MNISTAugmentation?,
                photoAugmentation: PhotoAugmentation, frozenPrefixes: [String], evaluationBatchSize: Int) {
        self.training = training
        self.validation = validation
        self.digitAugmentation = digitAugmentation
        self.photoAugmentation = photoAugmentation
        self.frozenPrefixes = frozenPrefixes
        self.evaluationBatchSize = evaluationBatchSize
    }

    /// The number of training images.
    public var exampleCount: Int { training.count }

    /// The data set's shuffled order for `epoch`.
    public func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        training.epochOrder(epoch: epoch, seed: seed)
    }

    /// True: every example draws its augmentation and dropout from streams of its own, derived
    /// from the step's generator and the example's position in the epoch order, so a data-parallel
    /// rank holding part of a global batch draws for its examples what one process draws for them.
    public var drawsForWholeBatch: Bool { true }

    /// The images at `indices` (a slice of the epoch order: its indices are the examples'
    /// positions in it), photo-augmented then digit-augmented; image n draws from its own streams
    /// derived from `random` (not advanced here) and its position `indices.startIndex + n`.
    public mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        training.fillBatch(indices, images: &images, labels: &labels)
        let first = indices.startIndex
        func streams(_ purpose: UInt64) -> [SeededGenerator] {
            let base = random.derived(purpose)
            return (0..<indices.count).map { base.derived(UInt64(first + $0)) }
        }
        if !photoAugmentation.isIdentity { images = photoAugmentation.augment(batch: images, generators: streams(0x7068_6f74)) }
        if let digitAugmentation { images = digitAugmentation.augment(batch: images, generators: streams(0x6469_6769)) }
        return Batch(images: images, labels: labels, firstExample: first)
    }

    /// Softmax cross-entropy and its gradients; the metric `accuracy` counts correct images. Each
    /// image's dropout masks come from its own streams (`ForwardContext(random:firstExample:)`);
    /// `random` then advances by one fixed step, the same whatever the batch holds.
    public func lossAndGradients(model: inout Sequential, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var dropoutSeed = random.derived(0x6472_6f70)
        let (result, gradients) = ClassifierStep.gradients(model: &model, images: batch.images, labels: batch.labels,
                                                           random: &dropoutSeed, frozenPrefixes: frozenPrefixes,
                                                           firstExample: batch.firstExample)
        random = random.derived(0x7374_6570)
        return TaskStep(loss: result.loss, examples: batch.labels.count,
                        metricSums: ["accuracy": Double(result.correct)], gradients: gradients)
    }

    /// `["accuracy": a]` on the validation images, or empty without them.
    public func validate(_ model: Sequential) -> [String: Double] {
        guard let validation else { return [:] }
        return ["accuracy": ClassifierEvaluation.evaluate(model, on: validation, batchSize: evaluationBatchSize).accuracy]
    }

    /// `epoch:loss:training accuracy:validation accuracy` (`3:0.04512:0.98650:99.10%`, or `n/a`).
    public func historyEntry(_ summary: EpochSummary) -> String {
        let validationText = summary.validationAccuracy.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a"
        return String(format: "%d:%.5f:%.5f:%@", summary.epoch, summary.loss, summary.trainingAccuracy, validationText)
    }
}

extension EpochSummary {
    /// A classification epoch's training accuracy (with augmentation and dropout).
    public var trainingAccuracy: Double { metrics["accuracy"] ?? 0 }
    /// A classification epoch's validation accuracy (nil without a hold-out).
    public var validationAccuracy: Double? { validation["accuracy"] }
}

/// Trains a classifier on a labelled image set.
public typealias ClassifierTrainer<Data: ClassificationData> = Trainer<ClassificationTask<Data>>

/// Trains DeepConvNet on MNIST.
public typealias MNISTTrainer = ClassifierTrainer<MNISTDataset>

extension Trainer {
    /// Prepares a classifier run on `trainSet` (the full training split; the hold-out is taken
    /// from its end) as `config` says: network, pretrained weights, augmentation, optimizer, schedule.
    public init<Data: ClassificationData>(config: TrainingConfig, trainSet: Data) throws
    where Task == ClassificationTask<Data> {
        guard config.epochs >= 1, config.batchSize >= 1, config.learningRate > 0, config.validation >= 0 else {
            throw TrainingError.badOption("epochs, batch size and learning rate must be positive")
        }
        try config.optimizer.validate()
        var data = trainSet
        if let limit = config.limit { data = data.subset(0..<min(limit, data.count)) }
        guard config.validation < data.count else {
            throw TrainingError.badOption("validation hold-out \(config.validation) leaves no training images of \(data.count)")
        }
        let training: Data, validation: Data?
        if config.validation > 0 {
            (training, validation) = data.split(validation: config.validation)
        } else {
            (training, validation) = (data, nil)
        }
        var resolved = config
        resolved.augment = config.augment ?? TrainingConfig.digitAugmentationDefault(sampleShape: data.sampleShape)
        let task = ClassificationTask(
            training: training, validation: validation, digitAugmentation: resolved.augment! ? MNISTAugmentation() : nil,
            photoAugmentation: PhotoAugmentation(flipProbability: config.flipProbability, minimumScale: config.minimumCropScale),
            frozenPrefixes: config.freeze, evaluationBatchSize: config.architecture.evaluationBatchSize)
        guard config.dropout.map({ $0 >= 0 && $0 < 1 }) ?? true else {
            throw TrainingError.badOption("dropout probability must be in [0, 1)")
        }
        var model = config.architecture.make(classes: trainSet.classCount, seed: config.seed)
        if let dropout = config.dropout {
            model.updateLayers(ofType: Dropout.self) { _, layer in layer = Dropout(probability: dropout) }
        }
        try Self.checkFrozenPrefixes(config.freeze, names: Array(model.parameters.keys))
        if let path = config.pretrained {
            try model.load(from: SafetensorsFile(contentsOf: URL(fileURLWithPath: path)), keeping: config.newHead)
        }
        let stepsPerEpoch = (training.count + config.batchSize - 1) / config.batchSize
        self.init(task: task, model: model, epochs: config.epochs, batchSize: config.batchSize, seed: config.seed,
                  optimizer: config.optimizer, schedule: try config.makeSchedule(stepsPerEpoch: stepsPerEpoch),
                  settings: resolved.metadata)
    }

    /// Refuses a `--freeze` prefix that matches no parameter name (the whole network would train
    /// while the user believes part of it is frozen), listing the layer prefixes that do exist.
    static func checkFrozenPrefixes(_ prefixes: [String], names: [String]) throws {
        guard let unmatched = prefixes.first(where: { prefix in !names.contains { $0.hasPrefix(prefix) } }) else { return }
        var layers = [String]()
        for name in names.sorted() {
            let layer = String(name.prefix { $0 != "." })
            if !layers.contains(layer) { layers.append(layer) }
        }
        let shown = layers.prefix(12).joined(separator: ", ") + (layers.count > 12 ? ", ..." : "")
        let prefix = unmatched.hasSuffix(".") ? String(unmatched.dropLast()) : unmatched
        throw TrainingError.badOption("--freeze prefix \"\(prefix)\" matches no parameter; the network's layers are \(shown)")
    }
}
