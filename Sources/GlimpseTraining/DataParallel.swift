// DataParallel: the `Trainer`'s steps when the run is one rank of an `mpirun` job (data
// parallelism in the manner of PyTorch's DDP and Horovod, docs/distributed.md).
//
// - Same start: after an optional resume, rank 0's parameters, buffers, optimizer state, epoch,
//   step and generator are broadcast, so every rank starts from rank 0's state.
// - Same batches: every rank computes the same epoch order and cuts every global batch of
//   `batchSize` examples into contiguous shares (rank r takes examples [n r / N, n (r+1) / N)), so
//   the examples and their order are those of a single process with the same seed.
// - Same step: each rank's gradient (of the mean loss over its share of b_r examples) is weighted
//   by b_r / B and summed over the ranks in rank order (`Communicator.sumInRankOrder`), which is
//   the gradient of the mean loss over the global batch of B, whatever the shares; every rank gets
//   the same bits and applies the same update. Loss and metric sums travel in the same buffer, so
//   the reported curve is the global batch's. Batch-norm running statistics follow the same rule
//   applied to their change during the step (exact for the running mean); the normalisation inside
//   the forward pass uses the rank's own share (like DDP without SyncBatchNorm).
// - Randomness: the shared generator is advanced identically on every rank. A task whose draws
//   do not depend on which part of the batch it holds (`drawsForWholeBatch`: classification draws
//   each example's augmentation and dropout from streams keyed by its position in the epoch order;
//   R-CNN draws the whole mini-batch) gets that generator itself, so it draws what one process
//   draws; any other task's augmentation and dropout draw from a stream derived from it and the
//   rank (bit-identical between runs with the same rank count, equally distributed but other
//   masks than one process's).
// - Only rank 0 validates and writes checkpoints (`Trainer.run`); the others wait for it at a
//   barrier after each epoch, with an allowance for that work (`soloAllowance`).
// - Every collective waits with a deadline (`Communicator.timeout`, GLIMPSE_MPI_TIMEOUT): a rank
//   that is alive but stuck ends the job with a message naming it and the step.

import Foundation
import GlimpseDistributed
import GlimpseNN
import GlimpseTensor

/// What the gradient sums of a data-parallel run cost, for the log and docs/distributed.md.
public struct CommunicationStatistics: Sendable {
    /// Steps whose gradients were summed over the ranks.
    public var steps = 0
    /// Seconds spent waiting at a barrier before each sum for the slowest rank to finish its backward pass.
    public var waitSeconds: Double = 0
    /// Seconds spent in `sumInRankOrder` once every rank had arrived: the communication itself.
    public var seconds: Double = 0
    /// Floats each rank sent per step (gradients, flags, buffer changes, loss and metrics).
    public var floatsPerStep = 0

    /// Mean milliseconds per step of the sum itself.
    public var millisecondsPerStep: Double { steps == 0 ? 0 : 1000 * seconds / Double(steps) }
    /// Mean milliseconds per step spent waiting for the slowest rank.
    public var waitMillisecondsPerStep: Double { steps == 0 ? 0 : 1000 * waitSeconds / Double(steps) }
}

extension Trainer {
    /// The share of a global batch of `count` examples that `rank` of `size` takes:
    /// contiguous, in order, sizes differing by at most one.
    public static func share(of count: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(size >= 1 && rank >= 0 && rank < size, "Trainer: rank \(rank) of \(size)")
        return (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// Seconds beyond `Communicator.timeout` that the other ranks wait for rank 0 to validate and
    /// write the checkpoint after an epoch that took `epochSeconds` to train: twice the epoch. A
    /// validation pass is forward-only (about a third of a training step per example), so this
    /// covers a validation set up to about six times the training set.
    public static func soloAllowance(epochSeconds: Double) -> Double { 2 * max(0, epochSeconds) }

    /// This rank's contiguous share of `count` items (all of them in one process), for work after
    /// training that the ranks split (R-CNN's region features).
    public func rankShare(of count: Int) -> Range<Int> {
        communicator.map { Self.share(of: count, rank: $0.rank, size: $0.size) } ?? 0..<count
    }

    /// Sends `part` to rank 0, which returns every rank's part in rank order; a rank other than 0
    /// finalizes MPI and exits with status 0 once its part is sent. In one process: `[part]`.
    public func gatherOnRootOrExit(_ part: [Float], during phase: String) -> [[Float]] {
        guard let communicator else { return [part] }
        let parts = communicator.gather(part, during: phase)
        guard communicator.isRoot else {
            communicator.finalize()
            exit(0)
        }
        return parts
    }

    /// Checks that the run can be split over `communicator`'s ranks: every rank needs at least one
    /// example of every full batch.
    func checkDataParallel(_ communicator: Communicator) throws {
        let smallest = min(batchSize, task.exampleCount)
        guard smallest >= communicator.size else {
            throw TrainingError.badOption("a batch of \(smallest) examples cannot be split over \(communicator.size) ranks "
                                          + "(use a batch size of at least \(communicator.size))")
        }
    }

    /// One step of a data-parallel run: this rank's share of the global batch `indices`, loss and
    /// gradients, then the weighted sum over the ranks (see the file's header). Returns the global
    /// batch's loss, example count, metric sums and gradient.
    mutating func dataParallelStep(_ indices: ArraySlice<Int>, on communicator: Communicator) -> TaskStep {
        let share = Self.share(of: indices.count, rank: communicator.rank, size: communicator.size)
        let mine = indices[(indices.startIndex + share.lowerBound)..<(indices.startIndex + share.upperBound)]
        // a task that draws for the whole batch gets the training generator itself, which then
        // advances on every rank exactly as in one process; any other task a stream per rank
        let wholeBatch = task.drawsForWholeBatch
        precondition(!wholeBatch || !mine.isEmpty, "Trainer: an empty share of a batch the task draws for as a whole")
        var generator = wholeBatch ? random : random.derived(0x7261_6e6b_0000 &+ UInt64(communicator.rank))
        if !wholeBatch { random = random.derived(0x7374_6570) }  // the same on every rank
        let buffersBefore = model.buffers
        var local = TaskStep(loss: 0, examples: 0, gradients: Gradients())
        if !mine.isEmpty {
            let batch = task.makeBatch(mine, random: &generator)
            local = task.lossAndGradients(model: &model, batch: batch, random: &generator)
            if wholeBatch { random = generator }
            if dataParallelMetricKeys == nil { dataParallelMetricKeys = local.metricSums.keys.sorted() }
        }
        let metricKeys = dataParallelMetricKeys ?? []
        precondition(mine.isEmpty || local.metricSums.keys.sorted() == metricKeys,
                     "Trainer: the task's metrics changed from \(metricKeys) to \(local.metricSums.keys.sorted())")

        // Layout, identical on every rank: gradients by sorted parameter name, one presence flag
        // per parameter, buffer changes by sorted name, then loss sum, example count, metric sums.
        let parameters = model.parameters.sorted { $0.key < $1.key }
        let buffersAfter = model.buffers
        let bufferNames = buffersAfter.keys.sorted()
        let weight = Float(mine.count) / Float(indices.count)
        var packed = [Float]()
        packed.reserveCapacity(parameters.reduce(0) { $0 + $1.value.count } + 2 * parameters.count + 2 + metricKeys.count)
        for (name, parameter) in parameters {
            if let gradient = local.gradients[name] {
                precondition(gradient.shape == parameter.shape, "Trainer: gradient of \(name) shaped \(gradient.shape)")
                gradient.scalars.withUnsafeBufferPointer { values in
                    for value in values { packed.append(value * weight) }
                }
            } else {
                packed.append(contentsOf: repeatElement(0, count: parameter.count))
            }
        }
        for (name, _) in parameters { packed.append(local.gradients[name] == nil ? 0 : 1) }
        for name in bufferNames {
            let before = buffersBefore[name]!.scalars, after = buffersAfter[name]!.scalars
            for index in before.indices { packed.append(weight * (after[index] - before[index])) }
        }
        packed.append(local.loss * Float(local.examples))
        packed.append(Float(local.examples))
        for key in metricKeys { packed.append(Float(local.metricSums[key] ?? 0)) }

        // the barrier separates waiting for a slower rank from the sum's own cost (one message
        // latency per step, microseconds within a machine)
        let arrived = ProgressReporter.now()
        communicator.barrier(during: "the barrier before the gradient sum of step \(step + 1) (epoch \(epoch + 1))")
        let start = ProgressReporter.now()
        communicator.sumInRankOrder(&packed, during: "the gradient sum of step \(step + 1) (epoch \(epoch + 1))")
        communication.waitSeconds += start - arrived
        communication.seconds += ProgressReporter.now() - start
        communication.steps += 1
        communication.floatsPerStep = packed.count

        var offset = 0
        var gradients = Gradients()
        let flagsStart = parameters.reduce(0) { $0 + $1.value.count }
        for (index, (name, parameter)) in parameters.enumerated() {
            if packed[flagsStart + index] > 0 {
                gradients.accumulate(name, Tensor(shape: parameter.shape, scalars: Array(packed[offset..<(offset + parameter.count)])))
            }
            offset += parameter.count
        }
        offset = flagsStart + parameters.count
        var newBuffers = [String: Tensor]()
        for name in bufferNames {
            var value = buffersBefore[name]!
            value.scalars.withUnsafeMutableBufferPointer { scalars in
                for index in scalars.indices { scalars[index] += packed[offset + index] }
            }
            offset += value.count
            newBuffers[name] = value
        }
        model.updateBuffers { name, buffer in if let value = newBuffers[name] { buffer = value } }
        let lossSum = packed[offset], examples = Int(packed[offset + 1].rounded())
        var metricSums = [String: Double]()
        for (index, key) in metricKeys.enumerated() { metricSums[key] = Double(packed[offset + 2 + index]) }
        precondition(examples == indices.count, "Trainer: the ranks saw \(examples) examples of a batch of \(indices.count)")
        return TaskStep(loss: lossSum / Float(max(examples, 1)), examples: examples, metricSums: metricSums, gradients: gradients)
    }

    /// Replaces this rank's parameters, buffers, optimizer state, epoch, step and generator by rank
    /// 0's. Throws when this rank's model or optimizer state is laid out differently from rank 0's
    /// (another network, a checkpoint missing on this rank's file system).
    mutating func synchronizeFromRoot(_ communicator: Communicator) throws {
        let modelState = model.state.sorted { $0.key < $1.key }
        let optimizerState = optimizer.state.sorted { $0.key < $1.key }
        let layout = (modelState.map { "\($0.key)\($0.value.shape)" } + ["|"] + optimizerState.map { "\($0.key)\($0.value.shape)" })
            .joined(separator: ",")
        var rootLayout = Array(layout.utf8)
        communicator.broadcast(&rootLayout, during: "the start (rank 0's model layout)")
        guard rootLayout == Array(layout.utf8) else {
            throw TrainingError.badOption("rank \(communicator.rank): the model and optimizer state differ from rank 0's "
                                          + "(\(modelState.count) model and \(optimizerState.count) optimizer tensors here)")
        }
        var values = [Float]()
        for (_, tensor) in modelState + optimizerState { values.append(contentsOf: tensor.scalars) }
        communicator.broadcast(&values, during: "the start (rank 0's weights and optimizer state)")
        var offset = 0
        func next(_ tensor: Tensor) -> Tensor {
            defer { offset += tensor.count }
            return Tensor(shape: tensor.shape, scalars: Array(values[offset..<(offset + tensor.count)]))
        }
        var newModel = [String: Tensor](), newOptimizer = [String: Tensor]()
        for (name, tensor) in modelState { newModel[name] = next(tensor) }
        for (name, tensor) in optimizerState { newOptimizer[name] = next(tensor) }
        try model.load(newModel, source: "rank 0's state")
        try optimizer.loadState(newOptimizer)
        var counters = [UInt64(epoch), UInt64(step)] + random.state
        communicator.broadcast(&counters, during: "the start (rank 0's epoch, step and generator)")
        epoch = Int(counters[0])
        step = Int(counters[1])
        random = SeededGenerator(state: Array(counters[2...]))
    }
}
