// TrainingTask: what a `Trainer` needs to know about one kind of training (classification,
// detection, captioning): the examples, how a batch is made, the loss and its gradients, and
// what validation measures. The loop itself (epochs, optimizer, schedule, hook, checkpoints,
// resume) knows nothing of labels or model architecture and lives in `Trainer`.

import Foundation
import GlimpseNN
import GlimpseTensor

/// One kind of supervised training, plugged into `Trainer`.
///
/// A task must be deterministic given the generator it is handed: every random choice
/// (augmentation, dropout) draws from `random`, so that a checkpoint's generator state is all
/// exact resume needs.
public protocol TrainingTask {
    /// The network being trained.
    associatedtype Model: Layer
    /// One batch as the loss wants it (images and class indices; images and boxes; ...).
    associatedtype Batch

    /// The number of training examples an epoch visits.
    var exampleCount: Int { get }

    /// The order epoch `epoch` (from 0) visits the examples in: `exampleCount` indices that depend
    /// only on (`epoch`, `seed`), usually a permutation of `0..<exampleCount` (a task whose
    /// examples the generator draws may repeat indices: R-CNN's are positions in a mini-batch).
    func epochOrder(epoch: Int, seed: UInt64) -> [Int]

    /// True when `makeBatch` and `lossAndGradients` draw the same random numbers for an example
    /// whatever part of a global batch they are given, and advance the generator the same way
    /// (they draw for the whole batch and use their part's share, as R-CNN does, or draw each
    /// example from streams keyed by its position in the epoch order, as classification does). A
    /// data-parallel rank then hands them the training generator itself, so every rank and a single
    /// process draw alike; otherwise each rank draws from a stream of its own. Default false.
    var drawsForWholeBatch: Bool { get }

    /// Loads and augments the examples at `indices`; augmentation draws from `random`.
    /// Mutating so that a task can reuse its batch buffers from step to step.
    mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch

    /// Forward, loss and backward on `batch` in training mode (dropout draws from `random`);
    /// returns the loss, the parameter gradients and the batch's metric sums. Does not update.
    func lossAndGradients(model: inout Model, batch: Batch, random: inout SeededGenerator) -> TaskStep

    /// The validation metrics of `model` (`["accuracy": 0.98]`); empty when there is nothing to validate on.
    func validate(_ model: Model) -> [String: Double]

    /// One epoch as a line of the run's history (kept in checkpoints and the weights' metadata).
    func historyEntry(_ summary: EpochSummary) -> String
}

extension TrainingTask {
    /// False: the task's draws depend on the examples it is given.
    public var drawsForWholeBatch: Bool { false }

    /// `epoch:loss:metric...:validation...`, every value with five decimals, names in sorted order.
    public func historyEntry(_ summary: EpochSummary) -> String {
        let values = [String(format: "%.5f", summary.loss)]
            + summary.metrics.sorted { $0.key < $1.key }.map { String(format: "%.5f", $0.value) }
            + summary.validation.sorted { $0.key < $1.key }.map { String(format: "%.5f", $0.value) }
        return "\(summary.epoch):" + values.joined(separator: ":")
    }
}

/// What a task's training step computed on one batch, before the update.
public struct TaskStep {
    /// The mean loss over the batch (a multi-part loss reports its total here, its parts in `metricSums`).
    public var loss: Float
    /// The number of examples in the batch (weights the loss in the epoch's mean).
    public var examples: Int
    /// Sums over the batch of the task's metrics (`["correct": 37]`); the trainer averages them per example.
    public var metricSums: [String: Double]
    /// The loss gradient of every trainable parameter, keyed by parameter name, each shaped like its parameter.
    public var gradients: Gradients

    /// Creates the result of one step.
    public init(loss: Float, examples: Int, metricSums: [String: Double] = [:], gradients: Gradients) {
        self.loss = loss
        self.examples = examples
        self.metricSums = metricSums
        self.gradients = gradients
    }
}
