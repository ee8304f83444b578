// TrainingConfig: the settings of a classifier training run (recipe, data use, transfer
// learning), stored in every checkpoint so that a resume with other settings is refused.

import Foundation
import GlimpseModels
import GlimpseOptim

/// The settings of a classifier training run.
public struct TrainingConfig: Sendable, Equatable {
    /// The network to build.
    public var architecture = Architecture.deepconvnet
    /// Passes over the training set.
    public var epochs = 20
    /// Images per step.
    public var batchSize = 100
    /// The update rule and its hyperparameters (Adam by default).
    public var optimizer = OptimizerChoice(.adam)
    /// The optimizer's base learning rate.
    public var learningRate: Float = 0.001
    /// `constant`, `cosine` (to 0 over the steps after the warm-up) or `step` (x0.1 at 50% and 75%
    /// of the steps after the warm-up).
    public var schedule = "cosine"
    /// Epochs of linear warm-up from 10% of the base rate (0: none).
    public var warmupEpochs = 0
    /// Seeds initialisation, data order, augmentation and dropout.
    public var seed: UInt64 = 1
    /// Random shifts (up to 2 px) and rotations (up to 10 degrees) of training images, made for
    /// digits; nil chooses by the data (`digitAugmentationDefault`): on for gray images, off for colour photos.
    public var augment: Bool?
    /// Chance of mirroring a training image left to right (0: never; 0.5 for photos).
    public var flipProbability: Float = 0
    /// Random resized crops keep at least this fraction of a training image's area (1: none).
    public var minimumCropScale: Float = 1
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
    /// The drop probability of every dropout layer (nil: the architecture's own, 0.5 in DeepConvNet).
    /// 0 makes a step deterministic, so a data-parallel run can be compared with one process.
    public var dropout: Float?

    /// Creates the default configuration.
    public init() {}

    /// The settings as checkpoint metadata (`train.epochs`, ...): a resumed run must match them.
    public var metadata: [String: String] {
        [
            "train.epochs": String(epochs), "train.batch_size": String(batchSize),
            "train.learning_rate": String(learningRate), "train.schedule": schedule,
            "train.warmup_epochs": String(warmupEpochs), "train.seed": String(seed),
            "train.augment": augment.map(String.init) ?? "auto", "train.validation": String(validation),
            "train.flip": String(flipProbability), "train.crop_scale": String(minimumCropScale),
            "train.limit": limit.map(String.init) ?? "all",
            "train.pretrained": pretrained.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.new_head": newHead.joined(separator: ","), "train.freeze": freeze.joined(separator: ","),
            "train.architecture": architecture.rawValue,
        ].merging(optimizer.metadata) { own, _ in own }
            // only when set, so checkpoints from before the option still resume
            .merging(dropout.map { ["train.dropout": String($0)] } ?? [:]) { own, _ in own }
    }

    /// Whether digit shifts and rotations suit images of `sampleShape` (`[C, H, W]`) when not asked
    /// for either way: yes for gray images (MNIST's IDX files, digit folders read as gray), no for
    /// colour photos, whose variation is better served by `flipProbability` and `minimumCropScale`.
    public static func digitAugmentationDefault(sampleShape: [Int]) -> Bool {
        sampleShape.first == 1
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
            let after = total - warmup
            main = StepSchedule(base: learningRate, milestones: [after / 2, after * 3 / 4], gamma: 0.1)
        default: throw TrainingError.badOption("unknown schedule \"\(schedule)\" (constant, cosine, step)")
        }
        return warmup > 0 ? WarmupSchedule(wrapping: main, warmupSteps: warmup, startFactor: 0.1) : main
    }
}

/// The MNIST commands' name for the settings.
public typealias MNISTTrainingConfig = TrainingConfig

/// A training option or state that cannot be used.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// An option value is invalid.
    case badOption(String)
    /// The checkpoint was written by a run with different settings.
    case checkpointMismatch(path: String, key: String, checkpoint: String, requested: String)
    /// The checkpoint holds the state of another optimizer than the one this run asks for.
    case optimizerMismatch(path: String, checkpoint: String, requested: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .badOption(let text): return text
        case .checkpointMismatch(let path, let key, let checkpoint, let requested):
            return "checkpoint \(path) was written with \(key)=\(checkpoint), but this run asks for \(requested); "
                + "resume with the same settings or start a new run"
        case .optimizerMismatch(let path, let checkpoint, let requested):
            return "checkpoint \(path) holds the state of optimizer \(checkpoint), but this run asks for \(requested); "
                + "resume with --optimizer \(checkpoint) or start a new run"
        }
    }
}

