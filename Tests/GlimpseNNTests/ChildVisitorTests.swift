// Containers expose their children once; parameters, buffers and batch norms are found through
// them. Parameter names and order are pinned: weights files and checkpoints are keyed by them.

import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Child visitors")
struct ChildVisitorTests {
    /// One of each container: Sequential, Fire, Concat (inception), Add (residual, with batch norms), VGG.
    static func containerModel() -> Sequential {
        var random = SeededGenerator(seed: 5)
        return Sequential([
            ("stem", Sequential([("conv", Conv2D(inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, useBias: false,
                                                 random: &random)),
                                 ("bn", BatchNorm(channels: 8)), ("relu", ReLU())])),
            ("fire", Fire(inChannels: 8, squeeze: 2, expand1x1: 4, expand3x3: 4, random: &random)),
            ("inception", InceptionBlock.make(inChannels: 8, channels: InceptionChannels(
                branch1x1: 2, reduce3x3: 2, branch3x3: 2, reduce5x5: 1, branch5x5: 2, poolProjection: 2), random: &random)),
            ("residual", ResidualBlock.make(inChannels: 8, channels: 4, stride: 2, random: &random)),
            ("vgg", VGGStage.make(inChannels: 4, channels: 4, convolutions: 1, random: &random)),
            ("head", Sequential([("pool", GlobalAvgPool()), ("fc", Linear(inFeatures: 4, outFeatures: 3, random: &random))])),
        ])
    }

    @Test func parameterAndBufferNamesAreAsBefore() {
        // As printed at commit b96a5a9 by the hand-written traversals that the child visitors replaced.
        let parameterNames = [
            "stem.conv.weight", "stem.bn.weight", "stem.bn.bias", "fire.squeeze.weight", "fire.squeeze.bias",
            "fire.expand1x1.weight", "fire.expand1x1.bias", "fire.expand3x3.weight", "fire.expand3x3.bias",
            "inception.b1.conv.weight", "inception.b1.conv.bias", "inception.b3.reduce.weight",
            "inception.b3.reduce.bias", "inception.b3.conv.weight", "inception.b3.conv.bias",
            "inception.b5.reduce.weight", "inception.b5.reduce.bias", "inception.b5.conv.weight",
            "inception.b5.conv.bias", "inception.pool.conv.weight", "inception.pool.conv.bias",
            "residual.add.body.conv1.weight", "residual.add.body.bn1.weight", "residual.add.body.bn1.bias",
            "residual.add.body.conv2.weight", "residual.add.body.bn2.weight", "residual.add.body.bn2.bias",
            "residual.add.shortcut.conv.weight", "residual.add.shortcut.bn.weight", "residual.add.shortcut.bn.bias",
            "vgg.conv1.weight", "vgg.conv1.bias", "head.fc.weight", "head.fc.bias"
        ]
        let bufferNames = [
            "stem.bn.running_mean", "stem.bn.running_var", "residual.add.body.bn1.running_mean",
            "residual.add.body.bn1.running_var", "residual.add.body.bn2.running_mean",
            "residual.add.body.bn2.running_var", "residual.add.shortcut.bn.running_mean",
            "residual.add.shortcut.bn.running_var"
        ]
        var model = Self.containerModel()
        var visited = [String](), updated = [String](), buffers = [String](), updatedBuffers = [String]()
        model.visitParameters { name, _ in visited.append(name) }
        model.updateParameters { name, _ in updated.append(name) }
        model.visitBuffers { name, _ in buffers.append(name) }
        model.updateBuffers { name, _ in updatedBuffers.append(name) }
        #expect(visited == parameterNames)
        #expect(updated == parameterNames)
        #expect(buffers == bufferNames)
        #expect(updatedBuffers == bufferNames)
        #expect(Set(model.state.keys) == Set(parameterNames + bufferNames))
    }

    @Test func updatesReachEveryChild() {
        var model = Self.containerModel()
        model.updateParameters { _, p in p = Tensor(repeating: 0.5, shape: p.shape) }
        model.updateBuffers { _, b in b = Tensor(repeating: 2, shape: b.shape) }
        #expect(model.parameters.values.allSatisfy { $0.scalars.allSatisfy { $0 == 0.5 } })
        #expect(model.buffers.values.allSatisfy { $0.scalars.allSatisfy { $0 == 2 } })
        var convolutions = [String]()
        model.updateLayers(ofType: Conv2D.self) { path, conv in
            convolutions.append(path)
            conv.computesInputGradient = false
        }
        #expect(convolutions == ["stem.conv", "fire.squeeze", "fire.expand1x1", "fire.expand3x3", "inception.b1.conv",
                                 "inception.b3.reduce", "inception.b3.conv", "inception.b5.reduce", "inception.b5.conv",
                                 "inception.pool.conv", "residual.add.body.conv1", "residual.add.body.conv2",
                                 "residual.add.shortcut.conv", "vgg.conv1"])
        var stillComputing = [String]()
        model.updateLayers(ofType: Conv2D.self) { path, conv in if conv.computesInputGradient { stillComputing.append(path) } }
        #expect(stillComputing.isEmpty)
    }

    /// A block holding a batch norm as a typed child (as a Fire with batch norm would).
    static func normalizedConvolution(useBias: Bool = true, random: inout SeededGenerator) -> Chain<Conv2D, BatchNorm> {
        Chain(lower: Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, useBias: useBias, random: &random),
              upper: BatchNorm(channels: 3))
    }

    @Test func aBlockWithBatchNormKeepsItsStatisticsInItsState() {
        var random = SeededGenerator(seed: 3)
        var net = Sequential([("block", Self.normalizedConvolution(random: &random))])
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        _ = net.forward(randomInput([4, 2, 5, 5]), context: &context)
        let state = net.state
        #expect(Set(state.keys) == ["block.lower.weight", "block.lower.bias", "block.upper.weight", "block.upper.bias",
                                    "block.upper.running_mean", "block.upper.running_var"])
        // The training step moved the statistics; the state holds the moved ones.
        #expect(state["block.upper.running_mean"]!.maxAbs() > 0)
        var found: [String] = []
        net.updateBatchNorms { path, norm in
            found.append(path)
            #expect(norm.runningMean == state["block.upper.running_mean"]!)
        }
        #expect(found == ["block.upper"])
        // Loading a state into a fresh block (as the weights loader does) restores the statistics.
        var fresh = Sequential([("block", Self.normalizedConvolution(random: &random))])
        fresh.updateParameters { name, p in p = state[name]! }
        fresh.updateBuffers { name, b in b = state[name]! }
        #expect(fresh.state == state)
        let input = randomInput([2, 2, 5, 5], seed: 2)
        #expect(fresh(input) == net(input))
        // Freezing by prefix reaches it too.
        net.freezeBatchNormStatistics(frozenPrefixes: ["block.upper"])
        #expect((net["block"] as! Chain<Conv2D, BatchNorm>).upper.freezesStatistics)
        // And the gradient check passes through its children (without a bias before the batch
        // norm, which cancels it: that gradient is zero, and its central difference noise).
        let result = gradientCheck(Self.normalizedConvolution(useBias: false, random: &random), input: randomInput([3, 2, 4, 4]))
        #expect(result.passed(), "\(result)")
    }
}
