// FCNNetwork: gradients by central differences for all three nets, the staged initialisation
// (a finer net loaded from a coarser one starts out computing its scores), the seed text's
// convolutionalisation claim on the real MNIST DeepConvNet, and tiling that changes nothing.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSegmentation
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import Testing

let segmentationTestsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

/// A network with every scoring layer random (not zero), so every path carries signal, and
/// every bias random: with zero biases the zero padding puts whole regions exactly on ReLU's
/// kink, where central differences and the pullback legitimately disagree.
func randomFCN(_ variant: FCNVariant, classes: Int = 3, seed: UInt64 = 5, scoreScale: Float = 0.3) -> FCNNetwork {
    var network = FCNNetwork(variant: variant, classes: classes, seed: seed)
    var random = SeededGenerator(seed: seed + 100)
    network.updateParameters { name, value in
        if name.hasPrefix("score") { value = Tensor(shape: value.shape) { _ in random.nextNormal() * scoreScale } }
        if name.hasSuffix(".bias") { value = Tensor(shape: value.shape) { _ in random.nextNormal() * 0.1 } }
    }
    return network
}

/// A seeded image tensor in [-0.5, 0.5], `[n, 3, h, w]`.
func randomImages(_ n: Int, _ h: Int, _ w: Int, seed: UInt64 = 9) -> Tensor {
    var random = SeededGenerator(seed: seed)
    return Tensor(shape: [n, 3, h, w]) { _ in random.nextUniform() - 0.5 }
}

/// y = x: stands in for ReLU where a gradient check needs a network without kinks.
struct Identity: Layer {
    func callAsFunction(_ input: Tensor) -> Tensor { input }
    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        (input, { dy, _ in dy })
    }
}

/// `network` with every ReLU replaced by the identity and every max pooling by average pooling:
/// the same FCN wiring (padding, skips, crops, upsampling, frozen layers) with no kinks, so
/// central differences are exact up to rounding. The nonlinear layers have their own checks.
func withoutKinks(_ network: FCNNetwork) -> FCNNetwork {
    var copy = network
    func smooth(_ stage: Sequential) -> Sequential {
        Sequential(stage.layers.map { child -> (String, any Layer) in
            if child.layer is ReLU { return (child.name, Identity()) }
            if let pool = child.layer as? MaxPool2D { return (child.name, AvgPool2D(kernelSize: pool.kernelSize, stride: pool.stride)) }
            return (child.name, child.layer)
        })
    }
    (copy.stage1, copy.stage2, copy.stage3, copy.head) = (smooth(copy.stage1), smooth(copy.stage2), smooth(copy.stage3), smooth(copy.head))
    return copy
}

@Suite("FCN network")
struct FCNNetworkTests {
    @Test("parameter gradients match central differences", arguments: FCNVariant.allCases)
    func gradients(_ variant: FCNVariant) {
        let network = withoutKinks(randomFCN(variant))
        let input = randomImages(2, 21, 26)
        var projectionRandom = SeededGenerator(seed: 4)
        let shape = network(input).shape
        #expect(shape == [2, 3, 21, 26])
        let projection = Tensor(shape: shape) { _ in projectionRandom.nextNormal() }
        func loss(_ n: FCNNetwork) -> Double {
            let y = n(input)
            return zip(y.scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        let (output, pullback) = copy.forward(input, context: &context)
        #expect(output == network(input), "training forward (no dropout) equals inference")
        var gradients = Gradients(frozenPrefixes: [FCNNetwork.upsamplingPrefix])
        _ = pullback(projection, &gradients)
        // Per parameter tensor, 9 sampled elements by central differences (step 1e-2), each within 3% (Float32 rounding; a wrong pullback is off by O(1)).
        var pick = SeededGenerator(seed: 3)
        for (name, parameter) in network.parameters {
            if name.hasPrefix(FCNNetwork.upsamplingPrefix) {
                #expect(gradients[name] == nil, "\(name) is fixed")
                continue
            }
            guard let gradient = gradients[name] else { Issue.record("no gradient for \(name)"); continue }
            var errors = [Double]()
            for _ in 0..<9 {
                let i = Int(pick.next() % UInt64(parameter.count))
                func moved(_ d: Float) -> FCNNetwork {
                    var n = network
                    n.updateParameters { key, value in if key == name { value.scalars[i] += d } }
                    return n
                }
                let numerical = (loss(moved(1e-2)) - loss(moved(-1e-2))) / 2e-2
                let analytic = Double(gradient.scalars[i])
                errors.append(abs(numerical - analytic) / max(abs(analytic), abs(numerical), 0.05))
            }
            // 0.05: Float32 central differences with a step of 1e-2 through the whole net; one CI
            // run measured 0.032 where the others stayed below 0.03 (the threads' summation order).
            // One of the nine may exceed it: a step that straddles a ReLU or max switch (rounding
            // decides which, e.g. 0.060 for one conv3.weight entry of fcn-16s among eight <= 0.001
            // in one CI run); a wrong pullback is off by O(1) at most entries, not at one.
            let outliers = errors.filter { $0 > 0.05 }.count
            #expect(outliers <= 1, "\(variant.rawValue) \(name): relative errors \(errors.map { String(format: "%.3f", $0) })")
        }
    }

    @Test("every net covers any image size exactly", arguments: FCNVariant.allCases)
    func anySize(_ variant: FCNVariant) {
        let network = randomFCN(variant)
        for (h, w) in [(1, 1), (7, 30), (28, 28), (33, 65), (128, 128)] {
            #expect(network(randomImages(1, h, w)).shape == [1, 3, h, w])
        }
    }

    @Test("a finer net loaded from the coarser one starts out computing its scores", arguments: [FCNVariant.fcn16s, .fcn8s])
    func stagedInitialisation(_ variant: FCNVariant) throws {
        let coarser = randomFCN(variant.coarser!)
        var finer = FCNNetwork(variant: variant, classes: 3, seed: 77)
        let loaded = try FCNTransfer.load(coarser.parameters, into: &finer, file: "coarser")
        #expect(!loaded.contains(variant == .fcn16s ? "score_pool2.weight" : "score_pool1.weight"))
        let input = randomImages(1, 96, 96)
        let (a, b) = (coarser(input), finer(input))
        // Bilinear x2 then x4 (or x2, x2, x2) is not exactly bilinear x8: it cuts the corners at the
        // coarse cells. So the finer net starts close to the coarser one, not equal to it.
        let scale = a.scalars.map { abs($0) }.reduce(0, +) / Float(a.count)
        let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.reduce(0, +) / Float(a.count)
        #expect(difference < 0.1 * scale, "mean |difference| \(difference), mean |score| \(scale)")
        let agree = zip(FCNSegmenter.argmax(a).ids, FCNSegmenter.argmax(b).ids).filter { $0 == $1 }.count
        #expect(Double(agree) / Double(96 * 96) > 0.9, "\(agree) of \(96 * 96) pixels get the same class")
    }

    @Test("the convolutionalised MNIST DeepConvNet gives the original's logits (seed text, FCN section 3.1)")
    func convolutionalisedClassifier() throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: segmentationTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"))
        var classifier = DeepConvNet.make(seed: 0)
        try classifier.load(try file.tensors(), source: "deepconvnet-mnist.safetensors")
        let fc1 = classifier["fc1"] as! Linear, fc2 = classifier["fc2"] as! Linear
        let trunk = Sequential(classifier.layers.prefix { $0.name != "flatten" }.map { ($0.name, $0.layer) })
        let convolutional = Sequential(trunk.layers.map { ($0.name, $0.layer) } + [
            ("fc1", fc1.convolutionalized(channels: 64, kernelHeight: 4, kernelWidth: 4)), ("relu7", ReLU()),
            ("fc2", fc2.convolutionalized(channels: 50, kernelHeight: 1, kernelWidth: 1)),
        ])
        var random = SeededGenerator(seed: 12)
        let digits = Tensor(shape: [4, 1, 28, 28]) { _ in random.nextUniform() }
        let original = classifier(digits), converted = convolutional(digits)
        #expect(converted.shape == [4, 10, 1, 1])
        let worst = zip(original.scalars, converted.scalars).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "largest logit difference \(worst)")
        // On a larger image: every 4x4 window of pool3 gets the head's logits on that window, at once.
        let wide = Tensor(shape: [1, 1, 52, 60]) { _ in random.nextUniform() }
        let features = trunk(wide), map = convolutional(wide)
        let (h, w) = (map.shape[2], map.shape[3])
        #expect(features.shape == [1, 64, 7, 8] && map.shape == [1, 10, 4, 5])
        for y in 0..<h { for x in 0..<w {
            let window = Crop(top: y, left: x, height: 4, width: 4)(features).reshaped([1, 1024])
            let logits = fc2(ReLU()(fc1(window)))
            for k in 0..<10 { #expect(abs(logits.scalars[k] - map.scalars[(k * h + y) * w + x]) <= 1e-5) }
        } }
    }

    @Test("tiles give the label map of one whole pass", arguments: FCNVariant.allCases)
    func tilingChangesNothing(_ variant: FCNVariant) {
        let network = randomFCN(variant, classes: 4, seed: 8, scoreScale: 2)
        let description = SegmenterDescription(variant: variant, classes: ["bg", "a", "b", "c"],
                                               preprocessing: ImagePreprocessing(inputSize: 64, channelOrder: "RGB", mean: [120, 120, 120], std: [1, 1, 1], scale: 1 / 255))
        var random = SeededGenerator(seed: 21)
        let image = Image(width: 150, height: 131, channels: 3, pixels: (0..<(150 * 131 * 3)).map { _ in UInt8(random.next() % 256) })
        let whole = FCNSegmenter(network: network, description: description, tile: 256).labelMap(of: image)
        let tiled = FCNSegmenter(network: network, description: description, tile: 48).labelMap(of: image)
        #expect(whole.presentIDs.count > 1)
        #expect(tiled == whole)
    }
}
