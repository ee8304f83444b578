// Trainer: the training loop, written once for every task: epochs over a seeded order, the
// optimizer step with a learning-rate schedule, a hook between backward and update, validation
// after each epoch, an atomic checkpoint after each epoch, and exact resume.
//
// Reproducibility: epoch e visits the examples in `task.epochOrder(epoch: e, seed: seed)`; every
// random draw of the task (augmentation, dropout) comes from one training generator derived from
// `seed`, whose state is saved in every checkpoint together with the model, the optimizer's
// state, its name and hyperparameters, and the step count (the schedule's position). A run
// resumed from the checkpoint of epoch k therefore continues bit for bit like the uninterrupted
// run (at the same `--threads`, which fixes how gradient sums are split and added).
//
// Under `mpirun` with two or more ranks the same loop runs data-parallel (DataParallel.swift):
// rank 0's state is broadcast after the resume, every rank takes its share of each global batch,
// the gradients are summed over the ranks in a fixed order, and only rank 0 validates and writes
// the checkpoint while the others wait at a barrier. The other ranks finalize MPI and exit once
// the last epoch is done, so rank 0 alone goes on to test, save and report.

import Foundation
import GlimpseDistributed
import GlimpseModels
import GlimpseNN
import GlimpseOptim
import GlimpseSerialization
import GlimpseTensor

/// Called between backward and update with the step index (from 0) and the gradients keyed by
/// parameter name, each shaped like its parameter; whatever it leaves in the map is what the
/// optimizer applies (a name it removes is not updated this step). This is where a data-parallel
/// run all-reduces its gradients.
public typealias GradientHook = (_ step: Int, _ gradients: inout [String: Tensor]) -> Void

/// Trains `Task.Model` on a `TrainingTask` with any optimizer, checkpointing after every epoch.
public struct Trainer<Task: TrainingTask> {
    /// The task: data, batches, loss, metrics.
    public internal(set) var task: Task
    /// Passes over the training examples.
    public let epochs: Int
    /// Examples per step (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// Seeds the epoch orders and the training generator.
    public let seed: UInt64
    /// The update rule, by name, with its hyperparameters.
    public let optimizerChoice: OptimizerChoice
    /// The learning rate of each step.
    public let schedule: any LearningRateSchedule
    /// The run's settings as checkpoint metadata, the optimizer's included; a resume must match them.
    public let metadata: [String: String]
    /// The network being trained.
    public internal(set) var model: Task.Model
    /// The optimizer and its state.
    public internal(set) var optimizer: any Optimizer
    /// Epochs completed.
    public internal(set) var epoch = 0
    /// Optimizer steps completed (the schedule's position).
    public internal(set) var step = 0
    /// The training generator: the task's augmentation and dropout draw from it.
    public internal(set) var random: SeededGenerator
    /// Runs between backward and update on every step (nil: none).
    public var gradientHook: GradientHook?
    /// The `mpirun` job this run is one rank of, when it has two or more ranks (nil: one process).
    public let communicator: Communicator?
    /// What the gradient sums over the ranks cost so far (zero without `communicator`).
    public internal(set) var communication = CommunicationStatistics()
    /// Whether `run` ends the ranks other than 0 (finalize and exit 0) once the last epoch is done;
    /// false for a run that goes on with collective work after training (R-CNN's feature stage).
    public var othersExitAfterTraining = true
    /// The task's metric names, sorted, from this rank's first step (data-parallel runs only).
    var dataParallelMetricKeys: [String]?

    /// Prepares a run of `epochs` passes from `model` (already initialised or loaded).
    /// `settings` (`train.epochs`, ...) are stored in checkpoints and checked on resume.
    public init(task: Task, model: Task.Model, epochs: Int, batchSize: Int, seed: UInt64,
                optimizer: OptimizerChoice, schedule: any LearningRateSchedule, settings: [String: String] = [:]) {
        precondition(epochs >= 1 && batchSize >= 1, "Trainer: epochs \(epochs) and batch size \(batchSize) must be >= 1")
        precondition(task.exampleCount >= 1, "Trainer: the task has no training examples")
        self.task = task
        self.model = model
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.optimizerChoice = optimizer
        self.optimizer = optimizer.make()
        self.schedule = schedule
        self.metadata = settings.merging(optimizer.metadata) { _, optimizerValue in optimizerValue }
        self.random = SeededGenerator(seed: seed).derived(0x7261_6e64)
        self.communicator = Communicator.world.flatMap { $0.size > 1 ? $0 : nil }
    }

    /// True unless this is a rank other than 0 of a data-parallel run: the rank that validates,
    /// writes checkpoints and reports.
    public var isRoot: Bool { communicator?.isRoot ?? true }

    /// Optimizer steps per epoch.
    public var stepsPerEpoch: Int { (task.exampleCount + batchSize - 1) / batchSize }

    /// One optimizer step on the examples at `indices`: batch, loss and gradients, hook, update.
    /// In a data-parallel run `indices` is the global batch and this rank computes its share.
    public mutating func trainStep(_ indices: ArraySlice<Int>) -> TaskStep {
        var result: TaskStep
        if let communicator {
            result = dataParallelStep(indices, on: communicator)
        } else {
            let batch = task.makeBatch(indices, random: &random)
            result = task.lossAndGradients(model: &model, batch: batch, random: &random)
        }
        if let gradientHook {
            var tensors = result.gradients.tensors
            result.gradients = Gradients()  // so the hook's map holds the only reference to each tensor
            gradientHook(step, &tensors)
            for (name, tensor) in tensors { result.gradients.accumulate(name, tensor) }
        }
        optimizer.step(&model, gradients: result.gradients, learningRate: schedule.learningRate(atStep: step))
        step += 1
        return result
    }

    /// Trains one epoch and validates; reports each step through `report`.
    public mutating func trainEpoch(report: (TrainingEvent) -> Void = { _ in }) -> EpochSummary {
        let order = task.epochOrder(epoch: epoch, seed: seed)
        precondition(order.count == task.exampleCount, "Trainer: epoch order of \(order.count) for \(task.exampleCount) examples")
        var lossSum: Double = 0, seen = 0
        var metricSums = [String: Double]()
        let start = ProgressReporter.now()
        for batchStart in stride(from: 0, to: order.count, by: batchSize) {
            let result = trainStep(order[batchStart..<min(batchStart + batchSize, order.count)])
            lossSum += Double(result.loss) * Double(result.examples)
            seen += result.examples
            metricSums.merge(result.metricSums, uniquingKeysWith: +)
            let elapsed = ProgressReporter.now() - start
            report(.step(TrainingProgress(
                epoch: epoch + 1, epochs: epochs, done: seen, total: order.count,
                examplesPerSecond: Double(seen) / max(elapsed, 1e-9), loss: lossSum / Double(seen),
                metrics: metricSums.mapValues { $0 / Double(seen) })))
        }
        let seconds = ProgressReporter.now() - start
        epoch += 1
        let count = Double(max(seen, 1))
        return EpochSummary(epoch: epoch, loss: lossSum / count, metrics: metricSums.mapValues { $0 / count },
                            validation: isRoot ? task.validate(model) : [:], seconds: seconds,
                            examplesPerSecond: Double(seen) / max(seconds, 1e-9))
    }

    /// The state after the last completed step, for writing to disk.
    public func checkpoint(extraMetadata: [String: String] = [:]) -> Checkpoint {
        Checkpoint(modelState: model.state, optimizerState: optimizer.state, epoch: epoch, step: step, random: random,
                   metadata: metadata.merging(extraMetadata) { own, _ in own })
    }

    /// Continues from a checkpoint written by a run with the same settings and optimizer; `path`
    /// names it in errors. Nothing changes when it throws.
    public mutating func resume(from checkpoint: Checkpoint, path: String) throws {
        let saved = checkpoint.metadata[OptimizerChoice.metadataKey] ?? "(none)"
        guard saved == optimizer.name else {
            throw TrainingError.optimizerMismatch(path: path, checkpoint: saved, requested: optimizer.name)
        }
        for key in metadata.keys.sorted() where checkpoint.metadata[key] != metadata[key] {
            throw TrainingError.checkpointMismatch(path: path, key: key, checkpoint: checkpoint.metadata[key] ?? "(none)",
                                                   requested: metadata[key]!)
        }
        var restored = model
        try restored.load(checkpoint.modelState, source: path)
        var restoredOptimizer = optimizerChoice.make()
        try restoredOptimizer.loadState(checkpoint.optimizerState, checkingAgainst: restored)
        model = restored
        optimizer = restoredOptimizer
        epoch = checkpoint.epoch
        step = checkpoint.step
        random = checkpoint.random
    }

    /// What a whole run did: one history line per epoch and the seconds spent training.
    public struct Record: Sendable {
        /// `task.historyEntry` of every epoch, from the first (including those before a resume).
        public var history: [String]
        /// Seconds of training over all epochs (including those before a resume).
        public var trainingSeconds: Double
    }

    /// Trains the remaining epochs, writing `checkpointFile` atomically after each; with `resume`,
    /// first continues from that file. Reports resume, steps and epochs through `report`.
    ///
    /// Data-parallel (under `mpirun`): every rank resumes from `checkpointFile` (it must be
    /// readable on every rank's machine), then takes rank 0's state; only rank 0 writes the
    /// checkpoint; after the last epoch the other ranks finalize MPI and exit with status 0
    /// (unless `othersExitAfterTraining` is false: then they return too).
    public mutating func run(checkpointFile: URL, resume: Bool, report: (TrainingEvent) -> Void = { _ in }) throws -> Record {
        var record = Record(history: [], trainingSeconds: 0)
        if let communicator { try checkDataParallel(communicator) }
        if resume {
            let saved = try Checkpoint(contentsOf: checkpointFile)
            try self.resume(from: saved, path: checkpointFile.path)
            record.history = saved.metadata["history"].map { $0.split(separator: ";").map(String.init) } ?? []
            record.trainingSeconds = Double(saved.metadata["training_seconds"] ?? "0") ?? 0
            report(.resumed(path: checkpointFile.path, epoch: epoch))
        }
        if let communicator { try synchronizeFromRoot(communicator) }
        if isRoot {
            try FileManager.default.createDirectory(at: checkpointFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        while epoch < epochs {
            let summary = trainEpoch(report: report)
            record.trainingSeconds += summary.seconds
            record.history.append(task.historyEntry(summary))
            if isRoot {
                try checkpoint(extraMetadata: ["history": record.history.joined(separator: ";"),
                                               "training_seconds": String(format: "%.1f", record.trainingSeconds)])
                    .write(to: checkpointFile)
            }
            // the others wait here while rank 0 validates and writes the checkpoint, alone
            communicator?.barrier(during: "the barrier after epoch \(epoch) (rank 0 validating and writing the checkpoint)",
                                  allowance: Self.soloAllowance(epochSeconds: summary.seconds))
            report(.epochEnded(summary))
        }
        if let communicator, !communicator.isRoot, othersExitAfterTraining {
            communicator.finalize()
            exit(0)
        }
        return record
    }
}
