// ClassifierTrainer: training a classifier (DeepConvNet, SqueezeNet) on any ClassificationData
// (MNIST's IDX files, a folder of class subfolders) with validation, checkpoints every epoch
// and exact resume.
//
// Reproducibility: the network is initialised from `seed`; epoch e visits the training images
// in `epochOrder(epoch: e, seed: seed)`; augmentation and dropout draw from one
// training generator seeded from `seed`, whose state is saved in every checkpoint. A run
// resumed from the checkpoint of epoch k therefore continues bit for bit like the uninterrupted
// run (at the same `--threads`, which fixes how gradient sums are split and added).

import Foundation
import GlimpseDatasets
import GlimpseNN
import GlimpseOptim
import GlimpseSerialization
import GlimpseTensor

/// What an epoch achieved.
public struct EpochSummary: Sendable {
    /// The epoch, from 1.
    public var epoch: Int
    /// Mean training loss.
    public var loss: Double
    /// Training accuracy (with augmentation and dropout).
    public var trainingAccuracy: Double
    /// Accuracy on the held-out validation images (nil without a hold-out).
    public var validationAccuracy: Double?
    /// Seconds of training in this epoch (excluding validation).
    public var seconds: Double
    /// Training images per second.
    public var imagesPerSecond: Double
}

/// Trains DeepConvNet on MNIST.
public typealias MNISTTrainer = ClassifierTrainer<MNISTDataset>

/// Trains a classifier on a labelled image set.
public struct ClassifierTrainer<Data: ClassificationData> {
    /// The run's settings.
    public let config: TrainingConfig
    /// The training images (after the hold-out).
    public let training: Data
    /// The held-out validation images.
    public let validation: Data?
    /// The network being trained.
    public private(set) var model: Sequential
    /// Adam, the seed text's optimizer.
    public private(set) var optimizer = Adam()
    /// Epochs completed.
    public private(set) var epoch = 0
    /// Optimizer steps completed.
    public private(set) var step = 0
    /// Dropout and augmentation draw from this.
    public private(set) var random: SeededGenerator

    /// Prepares a run on `trainSet` (the full training split; the hold-out is taken from its end).
    public init(config: TrainingConfig, trainSet: Data) throws {
        guard config.epochs >= 1, config.batchSize >= 1, config.learningRate > 0, config.validation >= 0 else {
            throw TrainingError.badOption("epochs, batch size and learning rate must be positive")
        }
        self.config = config
        var data = trainSet
        if let limit = config.limit { data = data.subset(0..<min(limit, data.count)) }
        guard config.validation < data.count else {
            throw TrainingError.badOption("validation hold-out \(config.validation) leaves no training images of \(data.count)")
        }
        if config.validation > 0 {
            let parts = data.split(validation: config.validation)
            training = parts.training
            validation = parts.validation
        } else {
            training = data
            validation = nil
        }
        model = config.architecture.make(classes: trainSet.classCount, seed: config.seed)
        random = SeededGenerator(seed: config.seed).derived(0x7261_6e64)
        if let path = config.pretrained {
            try model.load(from: SafetensorsFile(contentsOf: URL(fileURLWithPath: path)), keeping: config.newHead)
        }
    }

    /// Optimizer steps per epoch (the last batch may be smaller).
    public var stepsPerEpoch: Int { (training.count + config.batchSize - 1) / config.batchSize }

    /// The state after the last completed epoch, for writing to disk.
    public func checkpoint(extraMetadata: [String: String] = [:]) -> Checkpoint {
        Checkpoint(modelState: model.state, optimizerState: optimizer.state, epoch: epoch, step: step, random: random,
                   metadata: config.metadata.merging(extraMetadata) { a, _ in a })
    }

    /// Continues from a checkpoint written by a run with the same settings.
    public mutating func resume(from checkpoint: Checkpoint, path: String) throws {
        for (key, value) in config.metadata where checkpoint.metadata[key] != value {
            throw TrainingError.checkpointMismatch(path: path, key: key, checkpoint: checkpoint.metadata[key] ?? "(none)",
                                                   requested: value)
        }
        var restored = model
        try restored.load(from: SafetensorsFile(
            tensors: checkpoint.modelState.map { SafetensorsTensor(name: $0.key, tensor: $0.value) }, source: path))
        var restoredOptimizer = Adam()
        try restoredOptimizer.loadState(checkpoint.optimizerState, checkingAgainst: restored)
        model = restored
        optimizer = restoredOptimizer
        epoch = checkpoint.epoch
        step = checkpoint.step
        random = checkpoint.random
    }

    /// Trains one epoch, reporting progress; returns its summary.
    public mutating func trainEpoch(progress: ProgressReporter) throws -> EpochSummary {
        let schedule = try config.makeSchedule(stepsPerEpoch: stepsPerEpoch)
        let order = training.epochOrder(epoch: epoch, seed: config.seed)
        let photo = PhotoAugmentation(flipProbability: config.flipProbability, minimumScale: config.minimumCropScale)
        let augmentation = config.augment ? MNISTAugmentation() : nil
        var images = Tensor(zeros: [config.batchSize] + training.sampleShape)
        var labels = [Int]()
        var lossSum: Double = 0, correct = 0, seen = 0
        let start = ProgressReporter.now()
        for batchStart in stride(from: 0, to: order.count, by: config.batchSize) {
            let indices = order[batchStart..<min(batchStart + config.batchSize, order.count)]
            training.fillBatch(indices, images: &images, labels: &labels)
            if !photo.isIdentity { images = photo.augment(batch: images, using: &random) }
            if let augmentation { images = augmentation.augment(batch: images, using: &random) }
            let result = ClassifierStep.train(model: &model, optimizer: &optimizer, images: images, labels: labels,
                                              learningRate: schedule.learningRate(atStep: step), random: &random,
                                              frozenPrefixes: config.freeze)
            step += 1
            lossSum += Double(result.loss) * Double(indices.count)
            correct += result.correct
            seen += indices.count
            let elapsed = ProgressReporter.now() - start
            progress.update(label: "epoch \(epoch + 1)/\(config.epochs)", done: seen, total: order.count,
                            rate: Double(seen) / max(elapsed, 1e-9),
                            fields: String(format: "loss %.4f acc %.2f%%", lossSum / Double(seen), 100 * Double(correct) / Double(seen)))
        }
        let seconds = ProgressReporter.now() - start
        epoch += 1
        let validationAccuracy = validation.map { Self.evaluate(model, on: $0, batchSize: config.architecture.evaluationBatchSize).accuracy }
        return EpochSummary(epoch: epoch, loss: lossSum / Double(max(seen, 1)),
                            trainingAccuracy: Double(correct) / Double(max(seen, 1)),
                            validationAccuracy: validationAccuracy, seconds: seconds,
                            imagesPerSecond: Double(seen) / max(seconds, 1e-9))
    }

    /// Accuracy and confusion matrix of `model` on `dataset`, `batchSize` images at a time.
    public static func evaluate(_ model: Sequential, on dataset: some ClassificationData, batchSize: Int = 500,
                                halfPrecisionActivations: Bool = false) -> ClassificationReport {
        ClassifierEvaluation.evaluate(model, count: dataset.count, classes: dataset.classCount, batchSize: batchSize,
                                      halfPrecisionActivations: halfPrecisionActivations) { range in
            dataset.batch(range)
        }
    }
}
