// Checkpoint: everything a stopped training run needs to continue exactly where it stopped.
//
// One safetensors file holds the model's parameters and buffers under their own names
// (`conv1.weight`), the optimizer's state under `<optimizer>.<slot>.<parameter>`
// (`adam.m.conv1.weight`), and in its metadata the completed epoch, the optimizer step, the
// training generator's state and the run's configuration. It is written atomically, so a run
// killed while writing leaves the previous checkpoint intact.

import Foundation
import GlimpseNN
import GlimpseOptim
import GlimpseSerialization
import GlimpseTensor

/// The state of a training run at the end of an epoch.
public struct Checkpoint {
    /// Model parameters and buffers by name.
    public var modelState: [String: Tensor]
    /// Optimizer state by key (`adam.m.conv1.weight`).
    public var optimizerState: [String: Tensor]
    /// Epochs completed (1 after the first epoch).
    public var epoch: Int
    /// Optimizer steps completed.
    public var step: Int
    /// The training generator (dropout, augmentation) after the last completed step.
    public var random: SeededGenerator
    /// The run's settings and results so far, as text (checked on resume).
    public var metadata: [String: String]

    /// Creates a checkpoint from its parts.
    public init(modelState: [String: Tensor], optimizerState: [String: Tensor], epoch: Int, step: Int,
                random: SeededGenerator, metadata: [String: String]) {
        self.modelState = modelState
        self.optimizerState = optimizerState
        self.epoch = epoch
        self.step = step
        self.random = random
        self.metadata = metadata
    }

    /// Writes the checkpoint atomically to `url` (Float32, so resuming is exact).
    public func write(to url: URL) throws {
        var tensors = modelState
        for (key, value) in optimizerState {
            precondition(tensors[key] == nil, "Checkpoint: optimizer key \(key) collides with a model key")
            tensors[key] = value
        }
        var meta = metadata
        meta["checkpoint.epoch"] = String(epoch)
        meta["checkpoint.step"] = String(step)
        meta["checkpoint.random_state"] = random.state.map { String($0, radix: 16) }.joined(separator: ",")
        meta["checkpoint.optimizer_keys"] = optimizerState.keys.sorted().joined(separator: ",")
        try SafetensorsFile.write(tensors, dtype: .f32, metadata: meta, to: url)
    }

    /// Reads a checkpoint written by `write(to:)`; errors name the file and the problem.
    public init(contentsOf url: URL) throws {
        let file = try SafetensorsFile(contentsOf: url)
        let meta = file.metadata
        func field(_ key: String) throws -> String {
            guard let value = meta[key] else { throw CheckpointError(path: url.path, problem: "metadata has no \"\(key)\"") }
            return value
        }
        guard let epoch = Int(try field("checkpoint.epoch")), epoch >= 0,
              let step = Int(try field("checkpoint.step")), step >= 0 else {
            throw CheckpointError(path: url.path, problem: "checkpoint.epoch or checkpoint.step is not a count")
        }
        let words = try field("checkpoint.random_state").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw CheckpointError(path: url.path, problem: "checkpoint.random_state is not four hexadecimal words")
        }
        let optimizerKeys = Set(try field("checkpoint.optimizer_keys").split(separator: ",").map(String.init))
        var model = [String: Tensor](), optimizer = [String: Tensor]()
        for name in file.names {
            let tensor = try file.tensor(named: name)
            if optimizerKeys.contains(name) { optimizer[name] = tensor } else { model[name] = tensor }
        }
        self.init(modelState: model, optimizerState: optimizer, epoch: epoch, step: step,
                  random: SeededGenerator(state: words), metadata: meta.filter { !$0.key.hasPrefix("checkpoint.") })
    }
}

/// A checkpoint file that cannot be used, with the file and the reason.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The checkpoint file.
    public var path: String
    /// What is wrong with it.
    public var problem: String

    /// Creates the error.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// "checkpoint FILE: PROBLEM".
    public var description: String { "checkpoint \(path): \(problem)" }
}
