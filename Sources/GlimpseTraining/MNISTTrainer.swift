// MNISTTrainer: training DeepConvNet on MNIST (or Fashion-MNIST) with validation,
// checkpoints every epoch and exact resume.
//
// Reproducibility: the network is initialised from `seed`; epoch e visits the training images
// in `MNISTDataset.epochOrder(epoch: e, seed: seed)`; augmentation and dropout draw from one
// training generator seeded from `seed`, whose state is saved in every checkpoint. A run
// resumed from the checkpoint of epoch k therefore continues bit for bit like the uninterrupted
// run (at the same `--threads`, which fixes how gradient sums are split and added).

import Foundation
import GlimpseData
import GlimpseNN
import GlimpseOptim
import GlimpseSerialization
import GlimpseTensor

/// The settings of an MNIST training run.
public struct MNISTTrainingConfig: Sendable, Equatable {
    /// Passes over the training set.
    public var epochs = 20
    /// Images per step.
    public var batchSize = 100
    /// Adam's base learning rate.
    public var learningRate: Float = 0.001
    /// `constant`, `cosine` (to 0 over the run) or `step` (x0.1 at 50% and 75% of the run).
    public var schedule = "cosine"
    /// Epochs of linear warm-up from 10% of the base rate (0: none).
    public var warmupEpochs = 0
    /// Seeds initialisation, data order, augmentation and dropout.
    public var seed: UInt64 = 1
    /// Random shifts (up to 2 px) and rotations (up to 10 degrees) of training images.
    public var augment = true
    /// Training images held out (the last ones) to validate on; 0 for none.
    public var validation = 5000
    /// Use only the first `limit` training images (before the validation hold-out); nil for all.
    public var limit: Int?
    /// Pretrained weights to start from (fine-tuning); nil trains from the seeded initialisation.
    public var pretrained: String?
    /// Parameter-name prefixes kept from the initialisation instead of the pretrained file (the new head).
    public var newHead: [String] = []
    /// Parameter-name prefixes that are frozen: no gradient, no update.
    public var freeze: [String] = []

    /// Creates the default configuration.
    public init() {}

    /// The settings as checkpoint metadata (`train.epochs`, ...): a resumed run must match them.
    public var metadata: [String: String] {
        [
            "train.epochs": String(epochs), "train.batch_size": String(batchSize),
            "train.learning_rate": String(learningRate), "train.schedule": schedule,
            "train.warmup_epochs": String(warmupEpochs), "train.seed": String(seed),
            "train.augment": String(augment), "train.validation": String(validation),
            "train.limit": limit.map(String.init) ?? "all", "train.optimizer": "adam",
            "train.pretrained": pretrained.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.new_head": newHead.joined(separator: ","), "train.freeze": freeze.joined(separator: ","),
        ]
    }

    /// The learning-rate schedule over `stepsPerEpoch * epochs` optimizer steps.
    public func makeSchedule(stepsPerEpoch: Int) throws -> any LearningRateSchedule {
        let total = stepsPerEpoch * epochs
        let warmup = stepsPerEpoch * warmupEpochs
        let main: any LearningRateSchedule
        switch schedule {
        case "constant": main = ConstantSchedule(learningRate: learningRate)
        case "cosine": main = CosineSchedule(base: learningRate, minimum: 0, totalSteps: max(1, total - warmup))
        case "step":
            return MilestoneSchedule(base: learningRate, milestones: [total / 2, total * 3 / 4], gamma: 0.1,
                                     warmupSteps: warmup)
        default: throw TrainingError.badOption("unknown schedule \"\(schedule)\" (constant, cosine, step)")
        }
        return warmup > 0 ? WarmupSchedule(wrapping: main, warmupSteps: warmup, startFactor: 0.1) : main
    }
}

/// Multiplies the rate by `gamma` at each milestone step (torch's MultiStepLR), after an optional warm-up.
struct MilestoneSchedule: LearningRateSchedule {
    let base: Float
    let milestones: [Int]
    let gamma: Float
    let warmupSteps: Int

    func learningRate(atStep step: Int) -> Float {
        if step < warmupSteps {
            return base * (0.1 + 0.9 * Float(step) / Float(warmupSteps))
        }
        let passed = milestones.filter { step >= $0 }.count
        return base * Float(pow(Double(gamma), Double(passed)))
    }
}

/// A training option or state that cannot be used.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// An option value is invalid.
    case badOption(String)
    /// The checkpoint was written by a run with different settings.
    case checkpointMismatch(path: String, key: String, checkpoint: String, requested: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .badOption(let text): return text
        case .checkpointMismatch(let path, let key, let checkpoint, let requested):
            return "checkpoint \(path) was written with \(key)=\(checkpoint), but this run asks for \(requested); "
                + "resume with the same settings or start a new run"
        }
    }
}

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

/// Trains DeepConvNet on an MNIST-format dataset.
public struct MNISTTrainer {
    /// The run's settings.
    public let config: MNISTTrainingConfig
    /// The training images (after the hold-out).
    public let training: MNISTDataset
    /// The held-out validation images.
    public let validation: MNISTDataset?
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
    public init(config: MNISTTrainingConfig, trainSet: MNISTDataset) throws {
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
        model = DeepConvNet.make(seed: config.seed)
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
        let augmentation = config.augment ? MNISTAugmentation() : nil
        var images = Tensor(zeros: [config.batchSize, 1, 28, 28])
        var labels = [Int]()
        var lossSum: Double = 0, correct = 0, seen = 0
        let start = ProgressReporter.now()
        for batchStart in stride(from: 0, to: order.count, by: config.batchSize) {
            let indices = order[batchStart..<min(batchStart + config.batchSize, order.count)]
            training.fillBatch(indices, images: &images, labels: &labels)
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
        let validationAccuracy = validation.map { MNISTTrainer.evaluate(model, on: $0).accuracy }
        return EpochSummary(epoch: epoch, loss: lossSum / Double(max(seen, 1)),
                            trainingAccuracy: Double(correct) / Double(max(seen, 1)),
                            validationAccuracy: validationAccuracy, seconds: seconds,
                            imagesPerSecond: Double(seen) / max(seconds, 1e-9))
    }

    /// Accuracy and confusion matrix of `model` on `dataset`.
    public static func evaluate(_ model: Sequential, on dataset: MNISTDataset,
                                halfPrecisionActivations: Bool = false) -> ClassificationReport {
        ClassifierEvaluation.evaluate(model, count: dataset.count, classes: MNISTDataset.classCount,
                                      halfPrecisionActivations: halfPrecisionActivations) { range in
            dataset.batch(range)
        }
    }
}
