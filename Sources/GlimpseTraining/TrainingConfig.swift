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

    /// Creates the default configuration.
    public init() {}

    /// The settings as checkpoint metadata (`train.epochs`, ...): a resumed run must match them.
    public var metadata: [String: String] {
        [
            "train.epochs": String(epochs), "train.batch_size": String(batchSize),
            "train.learning_rate": String(learningRate), "train.schedule": schedule,
            "train.warmup_epochs": String(warmupEpochs), "train.seed": String(seed),
            "train.augment": String(augment), "train.validation": String(validation),
            "train.flip": String(flipProbability), "train.crop_scale": String(minimumCropScale),
            "train.limit": limit.map(String.init) ?? "all", "train.optimizer": "adam",
            "train.pretrained": pretrained.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "none",
            "train.new_head": newHead.joined(separator: ","), "train.freeze": freeze.joined(separator: ","),
            "train.architecture": architecture.rawValue,
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

/// The MNIST commands' name for the settings.
public typealias MNISTTrainingConfig = TrainingConfig

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

