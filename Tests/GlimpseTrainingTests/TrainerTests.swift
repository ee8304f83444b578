// The generic Trainer on a task that is not classification: linear regression of two Float
// targets from three inputs (the batch holds no class indices, the model is a bare `Linear`),
// with input jitter drawn from the training generator so that exact resume depends on it.

import Foundation
import GlimpseNN
import GlimpseOptim
import GlimpseTensor
import GlimpseTraining
import Testing

/// Least-squares regression `[N, 3]` inputs to `[N, 2]` targets, jittered by the training generator.
struct JitteredRegression: TrainingTask {
    /// Inputs `[N, 3]` and targets `[N, 2]`.
    struct Batch {
        var inputs: Tensor
        var targets: Tensor
    }

    let inputs: [[Float]]
    let targets: [[Float]]

    init(count: Int) {
        var random = SeededGenerator(seed: 5)
        inputs = (0..<count).map { _ in (0..<3).map { _ in random.nextNormal() } }
        targets = inputs.map { x in [0.5 * x[0] - x[1] + 0.3, 2 * x[2] - 0.1 + 0.05 * random.nextNormal()] }
    }

    var exampleCount: Int { inputs.count }

    func epochOrder(epoch: Int, seed: UInt64) -> [Int] {
        var random = SeededGenerator(seed: seed).derived(UInt64(epoch))
        return Array(0..<inputs.count).shuffled(using: &random)
    }

    mutating func makeBatch(_ indices: ArraySlice<Int>, random: inout SeededGenerator) -> Batch {
        let x = indices.flatMap { inputs[$0] }.map { $0 + 0.01 * random.nextNormal() }
        return Batch(inputs: Tensor(shape: [indices.count, 3], scalars: x),
                     targets: Tensor(shape: [indices.count, 2], scalars: indices.flatMap { targets[$0] }))
    }

    func lossAndGradients(model: inout Linear, batch: Batch, random: inout SeededGenerator) -> TaskStep {
        var context = ForwardContext(random: random)
        let (output, pullback) = model.forward(batch.inputs, context: &context)
        random = context.random
        let error = output - batch.targets
        let loss = error.scalars.reduce(0) { $0 + $1 * $1 } / Float(error.count)
        var gradients = Gradients()
        _ = pullback(error * (2 / Float(error.count)), &gradients)
        return TaskStep(loss: loss, examples: batch.inputs.shape[0],
                        metricSums: ["absoluteError": Double(error.scalars.reduce(0) { $0 + abs($1) }) / 2],
                        gradients: gradients)
    }

    func validate(_ model: Linear) -> [String: Double] { [:] }
}

@Suite("Generic trainer")
struct TrainerTests {
    /// 40 examples in batches of 8: 5 steps per epoch, 10 over the run, cosine schedule over them.
    static func trainer(_ optimizer: OptimizerChoice, learningRate: Float = 0.05,
                        schedule: (any LearningRateSchedule)? = nil) -> Trainer<JitteredRegression> {
        var random = SeededGenerator(seed: 3)
        return Trainer(task: JitteredRegression(count: 40), model: Linear(inFeatures: 3, outFeatures: 2, random: &random),
                       epochs: 2, batchSize: 8, seed: 9, optimizer: optimizer,
                       schedule: schedule ?? CosineSchedule(base: learningRate, minimum: 0, totalSteps: 10),
                       settings: ["test.task": "regression"])
    }

    @Test(arguments: OptimizerChoice.Kind.allCases)
    func halfRunResumedFromItsCheckpointFileEqualsTheStraightRun(kind: OptimizerChoice.Kind) throws {
        var straight = Self.trainer(OptimizerChoice(kind))
        let initial = straight.model.state
        _ = straight.trainEpoch()
        _ = straight.trainEpoch()
        #expect(straight.step == 10)

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("half.checkpoint.safetensors")
        do {
            var first = Self.trainer(OptimizerChoice(kind))
            _ = first.trainEpoch()
            try first.checkpoint().write(to: file)
        }
        var resumed = Self.trainer(OptimizerChoice(kind))
        var events = [String]()
        let record = try resumed.run(checkpointFile: file, resume: true) { event in
            switch event {
            case .resumed(_, let epoch): events.append("resumed \(epoch)")
            case .step(let progress): events.append("step \(progress.epoch) \(progress.done)/\(progress.total)")
            case .epochEnded(let summary): events.append("epoch \(summary.epoch)")
            }
        }
        #expect(events == ["resumed 1", "step 2 8/40", "step 2 16/40", "step 2 24/40", "step 2 32/40", "step 2 40/40", "epoch 2"])
        #expect(record.history.count == 1)
        #expect(resumed.step == 10 && resumed.epoch == 2)
        #expect(resumed.model.state == straight.model.state, "weights bit for bit")
        #expect(resumed.optimizer.state == straight.optimizer.state)
        #expect(resumed.random == straight.random)
        #expect(straight.model.state != initial, "the run trained")
        // The checkpoint names the optimizer and its hyperparameters.
        let saved = try Checkpoint(contentsOf: file)
        #expect(saved.metadata["train.optimizer"] == OptimizerChoice(kind).make().name)
        #expect(saved.epoch == 2 && saved.step == 10)
    }

    @Test func resumingWithAnotherOptimizerNamesTheCheckpoint() throws {
        var momentum = Self.trainer(OptimizerChoice(.momentum))
        _ = momentum.trainEpoch()
        let checkpoint = momentum.checkpoint()
        var adam = Self.trainer(OptimizerChoice(.adam))
        #expect(throws: TrainingError.optimizerMismatch(path: "runs/x.safetensors", checkpoint: "momentum", requested: "adam")) {
            try adam.resume(from: checkpoint, path: "runs/x.safetensors")
        }
        #expect(adam.epoch == 0 && adam.step == 0, "nothing restored")
        let message = "\(TrainingError.optimizerMismatch(path: "runs/x.safetensors", checkpoint: "momentum", requested: "adam"))"
        #expect(message.contains("runs/x.safetensors") && message.contains("--optimizer momentum"))
        // Same rule, other hyperparameters: the key is named.
        var slower = OptimizerChoice(.momentum)
        slower.momentum = 0.5
        var other = Self.trainer(slower)
        #expect(throws: TrainingError.checkpointMismatch(path: "y", key: "train.optimizer.momentum", checkpoint: "0.9",
                                                         requested: "0.5")) {
            try other.resume(from: checkpoint, path: "y")
        }
    }

    @Test func gradientHookRunsOncePerStepBetweenBackwardAndUpdate() {
        var trainer = Self.trainer(OptimizerChoice(.sgd))
        var steps = [Int]()
        var names = Set<String>()
        trainer.gradientHook = { step, gradients in
            steps.append(step)
            names.formUnion(gradients.keys)
        }
        _ = trainer.trainEpoch()
        _ = trainer.trainEpoch()
        #expect(steps == Array(0..<10))
        #expect(names == ["weight", "bias"])
    }

    @Test func gradientsChangedInTheHookAreWhatTheOptimizerApplies() {
        let constant = ConstantSchedule(learningRate: 0.05)
        var plain = Self.trainer(OptimizerChoice(.sgd), schedule: constant)
        var doubled = Self.trainer(OptimizerChoice(.sgd), schedule: constant)
        doubled.gradientHook = { _, gradients in
            for name in gradients.keys { gradients[name] = gradients[name]! * 2 }
        }
        var twiceTheRate = Self.trainer(OptimizerChoice(.sgd), schedule: ConstantSchedule(learningRate: 0.1))
        for _ in 0..<2 {
            _ = plain.trainEpoch()
            _ = doubled.trainEpoch()
            _ = twiceTheRate.trainEpoch()
        }
        // SGD with doubled gradients is SGD with a doubled rate (x2 is exact in Float).
        #expect(doubled.model.state == twiceTheRate.model.state)
        #expect(doubled.model.state != plain.model.state)
        // A hook that drops every gradient leaves the weights where they started.
        var frozen = Self.trainer(OptimizerChoice(.sgd), schedule: constant)
        let initial = frozen.model.state
        frozen.gradientHook = { _, gradients in gradients.removeAll() }
        _ = frozen.trainEpoch()
        #expect(frozen.model.state == initial)
    }

    @Test func epochMetricsAreMeansPerExample() {
        var trainer = Self.trainer(OptimizerChoice(.adam))
        let summary = trainer.trainEpoch()
        #expect(summary.epoch == 1 && summary.validation.isEmpty)
        #expect(summary.loss > 0 && summary.metrics.keys.sorted() == ["absoluteError"])
        #expect(trainer.task.historyEntry(summary).hasPrefix("1:"))
    }

    @Test func optimizerNamesAndDigitAugmentationDefaults() throws {
        #expect(try OptimizerChoice(named: "nesterov").make().name == "nesterov")
        #expect(throws: TrainingError.self) { try OptimizerChoice(named: "lion") }
        var bad = OptimizerChoice(.momentum)
        bad.momentum = 1
        #expect(throws: TrainingError.self) { try bad.validate() }
        #expect(TrainingConfig.digitAugmentationDefault(sampleShape: [1, 28, 28]))
        #expect(!TrainingConfig.digitAugmentationDefault(sampleShape: [3, 227, 227]))
    }
}
