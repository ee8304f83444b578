// A frozen part of a network does not change in a training step: its parameters get no update
// and its batch norms keep (and normalise with) their running statistics.

import GlimpseNN
import GlimpseOptim
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("Frozen batch norm in training")
struct FrozenBatchNormTrainingTests {
    /// conv -> bn -> relu -> fc on `[N, 1, 4, 4]` images, 3 classes.
    static func model() -> Sequential {
        var random = SeededGenerator(seed: 5)
        return Sequential([
            ("conv", Conv2D(inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1, random: &random)),
            ("bn", BatchNorm(channels: 2)),
            ("relu", ReLU()),
            ("flatten", Flatten()),
            ("fc", Linear(inFeatures: 32, outFeatures: 3, random: &random)),
        ])
    }

    static func step(_ net: inout Sequential, frozen: [String]) {
        var random = SeededGenerator(seed: 6)
        let images = Tensor(shape: [4, 1, 4, 4]) { _ in random.nextNormal() }
        var optimizer = SGD()
        _ = ClassifierStep.train(model: &net, optimizer: &optimizer, images: images, labels: [0, 1, 2, 0],
                                 learningRate: 0.1, random: &random, frozenPrefixes: frozen)
    }

    @Test func aFrozenStemKeepsItsWeightsAndBatchNormStatistics() {
        let before = Self.model().state
        var frozen = Self.model()
        Self.step(&frozen, frozen: ["conv", "bn"])
        for (name, tensor) in before where !name.hasPrefix("fc") {
            #expect(frozen.state[name] == tensor, "\(name) changed")
        }
        #expect(frozen.state["fc.weight"] != before["fc.weight"])

        // The same step with nothing frozen moves the running statistics.
        var free = Self.model()
        Self.step(&free, frozen: [])
        #expect(free.state["bn.running_mean"] != before["bn.running_mean"])
        #expect(free.state["bn.running_var"] != before["bn.running_var"])
    }
}
