// State tests: checkpoint round trips, frozen parameters, and loadState's errors.

import GlimpseNN
import GlimpseOptim
import GlimpseTensor
import Testing

/// The stateful optimizers, with settings that exercise every term (weight decay included).
let statefulOptimizers: [OptimizerCase] = [
    OptimizerCase(name: "momentum") { Momentum(momentum: 0.9, weightDecay: 0.01) },
    OptimizerCase(name: "nesterov") { Momentum(momentum: 0.8, nesterov: true, weightDecay: 0.01) },
    OptimizerCase(name: "adagrad") { AdaGrad(weightDecay: 0.01) },
    OptimizerCase(name: "rmsprop") { RMSProp(weightDecay: 0.01) },
    OptimizerCase(name: "adam") { Adam(weightDecay: 0.01) },
    OptimizerCase(name: "adamW") { Adam(weightDecay: 0.01, decoupled: true) },
]

/// An optimizer factory with a name for test output.
struct OptimizerCase: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () -> any Optimizer
    var testDescription: String { name }
}

@Suite("Optimizer state")
struct OptimizerStateTests {
    @Test("save after 3 steps, load into a fresh optimizer, continue: identical to an uninterrupted run",
          arguments: statefulOptimizers + [OptimizerCase(name: "sgd") { SGD(weightDecay: 0.01) }])
    func roundTrip(_ optimizerCase: OptimizerCase) throws {
        let schedule = WarmupSchedule(wrapping: CosineSchedule(base: 0.1, totalSteps: 6), warmupSteps: 2)

        var straight = TinyModel()
        var straightOptimizer = optimizerCase.make()
        for k in 0..<6 {
            straightOptimizer.step(&straight, gradients: tinyGradients(step: k), learningRate: schedule.learningRate(atStep: k))
        }

        var first = TinyModel()
        var firstOptimizer = optimizerCase.make()
        for k in 0..<3 {
            firstOptimizer.step(&first, gradients: tinyGradients(step: k), learningRate: schedule.learningRate(atStep: k))
        }
        let checkpoint = (weights: first.parameters, optimizer: firstOptimizer.state)

        var resumed = TinyModel()
        resumed.updateParameters { name, parameter in parameter = checkpoint.weights[name]! }
        var resumedOptimizer = optimizerCase.make()
        try resumedOptimizer.loadState(checkpoint.optimizer, checkingAgainst: resumed)
        #expect(resumedOptimizer.state == checkpoint.optimizer)
        for k in 3..<6 {
            resumedOptimizer.step(&resumed, gradients: tinyGradients(step: k), learningRate: schedule.learningRate(atStep: k))
        }
        #expect(resumed.parameters == straight.parameters)
        #expect(resumedOptimizer.state == straightOptimizer.state)
    }

    @Test("state keys are <optimizer>.<slot>.<parameter name>")
    func keys() {
        var model = TinyModel()
        var adam = Adam()
        adam.step(&model, gradients: tinyGradients(step: 0), learningRate: 0.1)
        adam.step(&model, gradients: tinyGradients(step: 1), learningRate: 0.1)
        let state = adam.state
        #expect(Set(state.keys) == [
            "adam.m.fc.weight", "adam.v.fc.weight", "adam.step.fc.weight",
            "adam.m.fc.bias", "adam.v.fc.bias", "adam.step.fc.bias",
            "adam.m.head.weight", "adam.v.head.weight", "adam.step.head.weight",
        ])
        #expect(state["adam.m.fc.weight"]?.shape == [2, 3])
        #expect(state["adam.step.fc.bias"] == Tensor(shape: [1], scalars: [2]))

        var momentum = Momentum()
        momentum.step(&model, gradients: tinyGradients(step: 0), learningRate: 0.1)
        #expect(Set(momentum.state.keys) == ["momentum.buffer.fc.weight", "momentum.buffer.fc.bias", "momentum.buffer.head.weight"])
        #expect(Set(AdaGrad().state.keys).isEmpty)
    }

    @Test("a parameter without a gradient stays bit-identical and gets no state", arguments: statefulOptimizers)
    func frozenParameterUntouched(_ optimizerCase: OptimizerCase) {
        var model = TinyModel()
        let frozenBefore = model.headWeight
        var optimizer = optimizerCase.make()
        for k in 0..<3 {
            optimizer.step(&model, gradients: tinyGradients(step: k, frozenPrefixes: ["head."]), learningRate: 0.1)
        }
        #expect(model.headWeight.scalars.map(\.bitPattern) == frozenBefore.scalars.map(\.bitPattern))
        #expect(model.fcWeight != TinyModel().fcWeight)
        #expect(!optimizer.state.keys.contains { $0.hasSuffix(".head.weight") })
    }

    @Test("Adam counts steps per parameter: a parameter unfrozen late starts its bias correction at 1")
    func adamStepCountIsPerParameter() {
        var model = TinyModel()
        var adam = Adam()
        for k in 0..<3 {
            adam.step(&model, gradients: tinyGradients(step: k, frozenPrefixes: ["head."]), learningRate: 0.1)
        }
        let headBefore = model.headWeight
        let gradients = tinyGradients(step: 3)
        adam.step(&model, gradients: gradients, learningRate: 0.1)
        #expect(adam.state["adam.step.fc.weight"]?.scalars == [4])
        #expect(adam.state["adam.step.head.weight"]?.scalars == [1])

        // The late parameter moved exactly as a fresh optimizer's first step would move it.
        var fresh = Adam()
        var expected = headBefore
        fresh.update("head.weight", parameter: &expected, gradient: gradients["head.weight"]!, learningRate: 0.1)
        #expect(model.headWeight == expected)
    }

    @Test("loadState throws a typed error naming the key, and keeps the old state")
    func loadStateErrors() throws {
        var model = TinyModel()
        var adam = Adam()
        adam.step(&model, gradients: tinyGradients(step: 0), learningRate: 0.1)
        let good = adam.state

        func failure(_ state: [String: Tensor]) -> OptimizerStateError? {
            var copy = adam
            do {
                try copy.loadState(state)
                return nil
            } catch let error as OptimizerStateError {
                #expect(copy.state == good, "state changed by a failed load")
                #expect(error.description.contains("'"))
                return error
            } catch {
                Issue.record("untyped error \(error)")
                return nil
            }
        }

        var withoutV = good
        withoutV["adam.v.fc.bias"] = nil
        #expect(failure(withoutV) == .missing(key: "adam.v.fc.bias"))

        var withoutStep = good
        withoutStep["adam.step.head.weight"] = nil
        #expect(failure(withoutStep) == .missing(key: "adam.step.head.weight"))

        var misshapen = good
        misshapen["adam.v.fc.weight"] = Tensor(zeros: [3, 2])
        #expect(failure(misshapen) == .shapeMismatch(key: "adam.v.fc.weight", expected: [2, 3], found: [3, 2]))

        var badStep = good
        badStep["adam.step.fc.weight"] = Tensor(shape: [1], scalars: [1.5])
        #expect(failure(badStep) == .invalidStep(key: "adam.step.fc.weight", found: [1.5]))
        badStep["adam.step.fc.weight"] = Tensor(shape: [2], scalars: [1, 1])
        #expect(failure(badStep) == .invalidStep(key: "adam.step.fc.weight", found: [1, 1]))

        var unknownSlot = good
        unknownSlot["adam.u.fc.weight"] = Tensor(zeros: [2, 3])
        #expect(failure(unknownSlot) == .unexpectedKey(key: "adam.u.fc.weight", expected: "adam.{m,v,step}.<parameter>"))

        #expect(failure(["momentum.buffer.fc.weight": Tensor(zeros: [2, 3])])
            == .unexpectedKey(key: "momentum.buffer.fc.weight", expected: "adam.<slot>.<parameter>"))
        #expect(failure(["adam.m": Tensor(zeros: [1])]) == .unexpectedKey(key: "adam.m", expected: "adam.<slot>.<parameter>"))

        var sgd = SGD()
        #expect(throws: OptimizerStateError.unexpectedKey(key: "sgd.buffer.fc.weight", expected: "no state at all")) {
            try sgd.loadState(["sgd.buffer.fc.weight": Tensor(zeros: [2, 3])])
        }
        try sgd.loadState([:])

        var momentum = Momentum()
        #expect(throws: OptimizerStateError.unexpectedKey(key: "adam.m.fc.bias", expected: "momentum.<slot>.<parameter>")) {
            try momentum.loadState(good)
        }
    }

    @Test("loadState(_:checkingAgainst:) rejects state for another model")
    func loadStateAgainstModel() throws {
        let model = TinyModel()
        var momentum = Momentum()
        #expect(throws: OptimizerStateError.unknownParameter(key: "momentum.buffer.conv1.weight", parameter: "conv1.weight")) {
            try momentum.loadState(["momentum.buffer.conv1.weight": Tensor(zeros: [2, 3])], checkingAgainst: model)
        }
        #expect(throws: OptimizerStateError.shapeMismatch(key: "momentum.buffer.fc.bias", expected: [3], found: [4])) {
            try momentum.loadState(["momentum.buffer.fc.bias": Tensor(zeros: [4])], checkingAgainst: model)
        }
        #expect(momentum.state.isEmpty)
        try momentum.loadState(["momentum.buffer.fc.bias": Tensor(zeros: [3])], checkingAgainst: model)
        #expect(momentum.state.keys.sorted() == ["momentum.buffer.fc.bias"])
    }
}

@Suite("Optimizer steps work in place")
struct InPlaceTests {
    /// The address of a tensor's storage (the tensor itself is released right after).
    func address(_ tensor: Tensor?) -> UnsafePointer<Float>? {
        tensor?.withUnsafeBufferPointer { $0.baseAddress }
    }

    @Test("after the first step, parameters and state are updated without copying", arguments: statefulOptimizers)
    func noCopiesInSteadyState(_ optimizerCase: OptimizerCase) {
        var model = TinyModel()
        var optimizer = optimizerCase.make()
        optimizer.step(&model, gradients: tinyGradients(step: 0), learningRate: 0.1)
        let gradients = tinyGradients(step: 1)
        let key = optimizer.state.keys.first { $0.hasSuffix(".fc.weight") && !$0.contains(".step.") }!
        let stateBefore = address(optimizer.state[key])
        let parameterBefore = address(model.fcWeight)
        optimizer.step(&model, gradients: gradients, learningRate: 0.1)
        // A copy-on-write copy would be allocated while the original is alive, so at a new address.
        #expect(address(optimizer.state[key]) == stateBefore)
        #expect(address(model.fcWeight) == parameterBefore)
    }
}
