// Sequential's forward that returns several named layer outputs in one pass.

import GlimpseNN
import GlimpseTensor
import Synchronization
import Testing

@Suite("Sequential outputs")
struct SequentialOutputsTests {
    /// Counts its inference calls; the identity on its input.
    struct CountingLayer: Layer {
        final class Calls: Sendable { let count = Mutex(0) }
        let calls = Calls()
        var count: Int { calls.count.withLock { $0 } }

        func callAsFunction(_ input: Tensor) -> Tensor {
            calls.count.withLock { $0 += 1 }
            return input
        }

        mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
            (self(input), { dy, _ in dy })
        }
    }

    static func network(after: CountingLayer) -> Sequential {
        var random = SeededGenerator(seed: 2)
        return Sequential([
            ("conv1", Conv2D(inChannels: 2, outChannels: 4, kernelSize: 3, padding: 1, random: &random)), ("relu1", ReLU()),
            ("pool1", MaxPool2D(kernelSize: 2)),
            ("conv2", Conv2D(inChannels: 4, outChannels: 3, kernelSize: 3, padding: 1, random: &random)), ("relu2", ReLU()),
            ("pool2", MaxPool2D(kernelSize: 2)),
            ("counter", after),
            ("flatten", Flatten()),
        ])
    }

    @Test func eachOutputEqualsTheForwardThroughIt() {
        let net = Self.network(after: CountingLayer())
        let input = randomInput([2, 2, 8, 8])
        let names = ["pool1", "relu2", "conv1", "pool2"]
        let outputs = net(input, outputs: names)
        #expect(Set(outputs.keys) == Set(names))
        for name in names { #expect(outputs[name]! == net(input, through: name), "\(name)") }
        #expect(outputs["pool2"]!.shape == [2, 3, 2, 2])
        #expect(net(input, outputs: ["flatten"])["flatten"]! == net(input))
    }

    @Test func stopsAtTheDeepestRequestedLayer() {
        let counter = CountingLayer()
        let net = Self.network(after: counter)
        let input = randomInput([1, 2, 8, 8])
        _ = net(input, outputs: ["conv1", "pool2"])
        #expect(counter.count == 0)
        #expect(net(input, outputs: []).isEmpty)
        #expect(counter.count == 0)
        _ = net(input, outputs: ["relu1", "counter"])
        #expect(counter.count == 1)
        _ = net(input, outputs: ["flatten", "pool1"])
        #expect(counter.count == 2)
    }
}
