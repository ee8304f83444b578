// Model structure: DeepConvNet's shapes and parameter names; BatchNorm running statistics.

import GlimpseModels
import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Models")
struct ModelTests {
    @Test func deepConvNetShapesAndNames() {
        let net = DeepConvNet.make(seed: 3)
        let output = net(Tensor(zeros: [2, 1, 28, 28]))
        #expect(output.shape == [2, 10])
        #expect(Set(net.parameters.keys) == Set(DeepConvNet.parameterNames))
        var names = [String]()
        net.visitParameters { name, _ in names.append(name) }
        #expect(names == DeepConvNet.parameterNames)
        #expect(net.parameters["conv1.weight"]!.shape == [16, 1, 3, 3])
        #expect(net.parameters["fc1.weight"]!.shape == [50, 1024])
        // He initialisation: std of conv6's weights near sqrt(2 / 576).
        let w = net.parameters["conv6.weight"]!
        let std = (w.scalars.map { $0 * $0 }.reduce(0, +) / Float(w.count)).squareRoot()
        #expect(abs(std - (2.0 / 576).squareRoot()) < 0.005)
        #expect(net.parameterCount == 16 * 9 + 16 + 16 * 144 + 16 + 32 * 144 + 32 + 32 * 288 + 32 + 64 * 288 + 64
                + 64 * 576 + 64 + 50 * 1024 + 50 + 10 * 50 + 10)
    }

    @Test func sameSeedSameWeights() {
        #expect(DeepConvNet.make(seed: 9).parameters == DeepConvNet.make(seed: 9).parameters)
        #expect(DeepConvNet.make(seed: 9).parameters != DeepConvNet.make(seed: 10).parameters)
    }

    @Test func batchNormTrainingVersusInference() {
        var layer = BatchNorm(channels: 2, momentum: 0.5)
        let input = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 10, 10, 5, 7, 20, 30])
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        let (output, _) = layer.forward(input, context: &context)
        // Channel 0 holds 1, 3, 5, 7: mean 4, biased variance 5, unbiased 20/3.
        #expect(abs(output.scalars[0] - (1 - 4) / (5 + 1e-5 as Float).squareRoot()) < 1e-5)
        #expect(abs(layer.runningMean.scalars[0] - 2) < 1e-6)
        #expect(abs(layer.runningVariance.scalars[0] - (0.5 + 0.5 * 20 / 3)) < 1e-5)
        #expect(Set(layer.buffers.keys) == ["running_mean", "running_var"])
        // Inference uses the running statistics, not the batch's.
        let inference = layer(input)
        #expect(abs(inference.scalars[0] - (1 - 2) / (layer.runningVariance.scalars[0] + 1e-5).squareRoot()) < 1e-5)
    }

    @Test func batchNormWithFrozenStatisticsKeepsThemAndMatchesInference() {
        var layer = BatchNorm(channels: 2, momentum: 0.5)
        layer.runningMean = Tensor(shape: [2], scalars: [2, -1])
        layer.runningVariance = Tensor(shape: [2], scalars: [4, 0.25])
        layer.weight = Tensor(shape: [2], scalars: [1.5, -0.5])
        layer.freezesStatistics = true
        let input = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 10, 10, 5, 7, 20, 30])
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        let (output, _) = layer.forward(input, context: &context)
        #expect(layer.runningMean.scalars == [2, -1])
        #expect(layer.runningVariance.scalars == [4, 0.25])
        // Channel 0, first value: (1 - 2) / sqrt(4 + 1e-5) * 1.5.
        #expect(abs(output.scalars[0] - (1 - 2) / (4 + 1e-5 as Float).squareRoot() * 1.5) < 1e-6)
        // Inference computes the same map in one multiply-add per value (rounding differs).
        #expect(zip(output.scalars, layer(input).scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func batchNormsAreVisitedByTheirParameterPaths() {
        var random = SeededGenerator(seed: 4)
        var net = Sequential([
            ("stem", Sequential([("conv", Conv2D(inChannels: 1, outChannels: 2, kernelSize: 1, random: &random)),
                                 ("bn", BatchNorm(channels: 2))])),
            ("block", Add(body: Sequential([("bn1", BatchNorm(channels: 2))]), shortcut: BatchNorm(channels: 2))),
            ("bn", BatchNorm(channels: 2)),
        ])
        var paths: [String] = []
        net.updateBatchNorms { path, _ in paths.append(path) }
        #expect(paths == ["stem.bn", "block.body.bn1", "block.shortcut", "bn"])
        let weightNames = Set(net.parameters.keys.filter { $0.hasSuffix(".weight") && !$0.contains("conv") })
        #expect(weightNames == Set(paths.map { $0 + ".weight" }))
        net.freezeBatchNormStatistics(frozenPrefixes: ["stem", "block.shortcut"])
        var frozen: [String] = []
        net.updateBatchNorms { path, norm in if norm.freezesStatistics { frozen.append(path) } }
        #expect(frozen == ["stem.bn", "block.shortcut"])
    }

    @Test func frozenPrefixesGetNoGradient() {
        var net = DeepConvNet.make(seed: 3)
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        let (output, pullback) = net.forward(randomInput([2, 1, 28, 28]), context: &context)
        var gradients = Gradients(frozenPrefixes: ["conv"])
        _ = pullback(Tensor(repeating: 1, shape: output.shape), &gradients)
        #expect(Set(gradients.tensors.keys) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
    }
}

@Suite("Frozen layers")
struct FrozenLayerTests {
    @Test func frozenLowerLayersAreSkippedWithoutChangingTheOtherGradients() {
        let net = DeepConvNet.make(seed: 3)
        let input = randomInput([2, 1, 28, 28])
        func gradients(frozen: [String], needsInput: Bool) -> (Gradients, Tensor) {
            var copy = net
            var context = ForwardContext(random: SeededGenerator(seed: 1))
            let (output, pullback) = copy.forward(input, context: &context)
            var gradients = Gradients(frozenPrefixes: frozen)
            gradients.needsInputGradient = needsInput
            let dx = pullback(Tensor(repeating: 0.1, shape: output.shape), &gradients)
            #expect(gradients.needsInputGradient == needsInput, "restored after the pullback")
            return (gradients, dx)
        }
        let frozen = ["conv1.", "conv2.", "conv3.", "conv4."]
        let (full, fullInput) = gradients(frozen: frozen, needsInput: true)
        let (skipped, skippedInput) = gradients(frozen: frozen, needsInput: false)
        #expect(Set(skipped.tensors.keys) == ["conv5.weight", "conv5.bias", "conv6.weight", "conv6.bias",
                                              "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        for (name, tensor) in skipped.tensors { #expect(full[name] == tensor, "\(name)") }
        #expect(fullInput.shape == input.shape)  // (zeros either way: DeepConvNet's conv1 skips it)
        #expect(skippedInput.maxAbs() == 0 && skippedInput.shape == input.shape)
        // Nothing frozen: the same gradients whether or not the input gradient is wanted.
        let (all, _) = gradients(frozen: [], needsInput: true)
        let (allSkipped, _) = gradients(frozen: [], needsInput: false)
        #expect(all.tensors == allSkipped.tensors)
    }
}
