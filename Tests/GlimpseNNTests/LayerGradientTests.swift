// Central-difference gradient checks for every layer (the seed text's gradient_check, asserting).

import GlimpseModels
import GlimpseNN
@testable import GlimpseTensor
import Testing

@Suite("Gradient checks")
struct LayerGradientTests {
    static func rng(_ seed: UInt64 = 5) -> SeededGenerator { SeededGenerator(seed: seed) }

    /// A convolution to check, and which of the data-gradient kernel's two methods it must take.
    struct ConvolutionCase: CustomTestStringConvertible, Sendable {
        var stride: Int, padding: Int, kernel: Int, inChannels: Int, outChannels: Int
        var useBias = true
        /// Whether the input gradient is a convolution of dy (stride 1, padding <= k - 1, O <= C)
        /// rather than GEMM + col2im.
        var inputGradientIsConvolution: Bool
        var testDescription: String {
            "\(inChannels)->\(outChannels) k\(kernel) s\(stride) p\(padding)\(useBias ? "" : " no bias")"
        }
    }

    @Test("Conv2D", arguments: [
        ConvolutionCase(stride: 1, padding: 1, kernel: 3, inChannels: 3, outChannels: 4, inputGradientIsConvolution: false),
        ConvolutionCase(stride: 1, padding: 1, kernel: 3, inChannels: 4, outChannels: 3, inputGradientIsConvolution: true),
        ConvolutionCase(stride: 1, padding: 1, kernel: 3, inChannels: 4, outChannels: 3, useBias: false,
                        inputGradientIsConvolution: true),
        ConvolutionCase(stride: 2, padding: 0, kernel: 3, inChannels: 3, outChannels: 4, inputGradientIsConvolution: false),
        ConvolutionCase(stride: 2, padding: 0, kernel: 3, inChannels: 4, outChannels: 3, inputGradientIsConvolution: false),
        ConvolutionCase(stride: 1, padding: 2, kernel: 3, inChannels: 3, outChannels: 4, inputGradientIsConvolution: false),
        ConvolutionCase(stride: 1, padding: 2, kernel: 3, inChannels: 4, outChannels: 2, inputGradientIsConvolution: true),
        ConvolutionCase(stride: 1, padding: 0, kernel: 1, inChannels: 3, outChannels: 4, inputGradientIsConvolution: false),
        ConvolutionCase(stride: 1, padding: 0, kernel: 1, inChannels: 4, outChannels: 4, inputGradientIsConvolution: true),
        ConvolutionCase(stride: 2, padding: 1, kernel: 2, inChannels: 3, outChannels: 4, inputGradientIsConvolution: false),
        ConvolutionCase(stride: 1, padding: 2, kernel: 2, inChannels: 4, outChannels: 3, useBias: false,
                        inputGradientIsConvolution: false),
    ])
    func conv2D(_ config: ConvolutionCase) {
        var random = Self.rng()
        var layer = Conv2D(inChannels: config.inChannels, outChannels: config.outChannels, kernelSize: config.kernel,
                           stride: config.stride, padding: config.padding, useBias: config.useBias, random: &random)
        if config.useBias { layer.bias = randomInput([config.outChannels], seed: 11) }
        let input = randomInput([2, config.inChannels, 6, 5])
        let geometry = layer.window.geometry(channels: config.inChannels, height: 6, width: 5,
                                             kernelHeight: config.kernel, kernelWidth: config.kernel)
        #expect(Convolution.dataGradientIsConvolution(geometry, outChannels: config.outChannels)
                == config.inputGradientIsConvolution)
        let result = gradientCheck(layer, input: input)
        #expect(result.passed(), "\(result)")
        #expect(Set(result.errors.keys) == (config.useBias ? ["input", "weight", "bias"] : ["input", "weight"]))
    }

    @Test func convolutionThenReLU() {
        // The pair every CNN here is built from, through Sequential: values as the layers give
        // them one by one, gradients by central differences.
        var random = Self.rng()
        var conv = Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, random: &random)
        conv.bias = randomInput([4], seed: 13)
        let fused = Sequential([("conv", conv), ("relu", ReLU())])
        let input = randomInput([2, 3, 6, 5])
        #expect(fused(input) == ReLU()(conv(input)))
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        var copy = fused
        #expect(copy.forward(input, context: &context).output == fused(input))
        // The ReLU's kink lies where a convolution output crosses zero, so the step is small.
        let result = gradientCheck(fused, input: input, epsilon: 1e-3)
        #expect(result.passed(), "\(result)")
        #expect(Set(result.errors.keys) == ["input", "conv.weight", "conv.bias"])
    }

    @Test func maxPool() {
        for (kernel, stride) in [(2, 2), (3, 2), (2, 1)] {
            let result = gradientCheck(MaxPool2D(kernelSize: kernel, stride: stride), input: distinctInput([2, 3, 7, 6]))
            #expect(result.passed(), "k\(kernel) s\(stride): \(result)")
        }
        // ceil mode (PyTorch's ceil_mode, MTCNN's pools) keeps a last partial window: 7 x 6 with
        // 2/2 gives 4 x 3 (floor: 3 x 3), with 3/2 3 x 3 (floor: 3 x 2)
        for (kernel, stride, shape) in [(2, 2, [1, 1, 4, 3]), (3, 2, [1, 1, 3, 3])] {
            let pool = MaxPool2D(kernelSize: kernel, stride: stride, ceilMode: true)
            #expect(pool(distinctInput([1, 1, 7, 6])).shape == shape)
            #expect(pool.outputLength(7) == shape[2] && pool.outputLength(6) == shape[3])
            let result = gradientCheck(pool, input: distinctInput([2, 3, 7, 6]))
            #expect(result.passed(), "ceil k\(kernel) s\(stride): \(result)")
        }
    }

    @Test func avgPool() {
        let result = gradientCheck(AvgPool2D(kernelSize: 3, stride: 2, padding: 1), input: randomInput([2, 3, 7, 6]))
        #expect(result.passed(), "\(result)")
        let plain = gradientCheck(AvgPool2D(kernelSize: 2), input: randomInput([1, 2, 4, 4]))
        #expect(plain.passed(), "\(plain)")
    }

    @Test func globalAvgPool() {
        let result = gradientCheck(GlobalAvgPool(), input: randomInput([2, 3, 4, 5]))
        #expect(result.passed(), "\(result)")
    }

    @Test func activations() {
        let input = randomInput([3, 2, 4, 4])
        for (name, layer) in [("relu", ReLU() as any Layer), ("leaky", LeakyReLU(slope: 0.1)),
                              ("sigmoid", Sigmoid()), ("tanh", Tanh())] {
            let result = gradientCheck(layer, input: input)
            #expect(result.passed(), "\(name): \(result)")
        }
    }

    @Test func prelu() {
        // distinct slopes per channel, some negative, and inputs on both sides of the kink
        let layer = PReLU(weight: Tensor(shape: [3], scalars: [0.25, -0.4, 0.9]))
        for shape in [[2, 3, 4, 5], [4, 3]] {
            let result = gradientCheck(layer, input: randomInput(shape))
            #expect(result.passed(), "\(shape): \(result)")
            #expect(Set(result.errors.keys) == ["input", "weight"])
        }
        // the slope applies per channel: channel 1 of a constant -1 input gives 0.4
        let y = layer(Tensor(repeating: -1, shape: [1, 3, 2, 2]))
        #expect(Array(y.scalars[4..<8]) == [0.4, 0.4, 0.4, 0.4] && y.scalars[0] == -0.25 && y.scalars[8] == -0.9)
    }

    @Test func linear() {
        var random = Self.rng()
        var layer = Linear(inFeatures: 7, outFeatures: 5, random: &random)
        layer.bias = randomInput([5], seed: 12)
        let result = gradientCheck(layer, input: randomInput([4, 7]))
        #expect(result.passed(), "\(result)")
    }

    @Test func flatten() {
        var random = Self.rng()
        let layer = Sequential([("flatten", Flatten()), ("fc", Linear(inFeatures: 12, outFeatures: 3, random: &random))])
        let result = gradientCheck(layer, input: randomInput([2, 3, 2, 2]))
        #expect(result.passed(), "\(result)")
    }

    @Test func dropout() {
        let result = gradientCheck(Dropout(probability: 0.5), input: randomInput([4, 10]))
        #expect(result.passed(), "\(result)")
    }

    @Test func batchNorm() {
        var layer = BatchNorm(channels: 3)
        layer.weight = randomInput([3], seed: 21)
        layer.bias = randomInput([3], seed: 22)
        let spatial = gradientCheck(layer, input: randomInput([4, 3, 3, 3]))
        #expect(spatial.passed(), "2-D: \(spatial)")
        let flat = gradientCheck(layer, input: randomInput([6, 3]))
        #expect(flat.passed(), "1-D: \(flat)")
    }

    @Test func batchNormWithFrozenStatistics() {
        var layer = BatchNorm(channels: 3)
        layer.weight = randomInput([3], seed: 21)
        layer.bias = randomInput([3], seed: 22)
        layer.runningMean = randomInput([3], seed: 23)
        layer.runningVariance = Tensor(shape: [3], scalars: [0.5, 1.7, 2.9])
        layer.freezesStatistics = true
        let spatial = gradientCheck(layer, input: randomInput([4, 3, 3, 3]))
        #expect(spatial.passed(), "2-D: \(spatial)")
        let flat = gradientCheck(layer, input: randomInput([6, 3]))
        #expect(flat.passed(), "1-D: \(flat)")
    }

    @Test func concat() {
        var random = Self.rng()
        let block = Concat([
            ("a", Conv2D(inChannels: 2, outChannels: 3, kernelSize: 1, random: &random)),
            ("b", Conv2D(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, random: &random)),
        ])
        let result = gradientCheck(block, input: randomInput([2, 2, 5, 5]))
        #expect(result.passed(), "\(result)")
        #expect(Set(block.parameters.keys) == ["a.weight", "a.bias", "b.weight", "b.bias"])
    }

    @Test func addIdentityAndProjection() {
        var random = Self.rng()
        let identity = Add(body: Sequential([
            ("conv", Conv2D(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, random: &random)),
            ("tanh", Tanh()),
        ]))
        let r1 = gradientCheck(identity, input: randomInput([2, 2, 4, 4]))
        #expect(r1.passed(), "identity: \(r1)")
        let projection = Add(body: Conv2D(inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, random: &random),
                             shortcut: Conv2D(inChannels: 2, outChannels: 4, kernelSize: 1, stride: 2, random: &random))
        let r2 = gradientCheck(projection, input: randomInput([2, 2, 4, 4]))
        #expect(r2.passed(), "projection: \(r2)")
        #expect(Set(projection.parameters.keys) == ["body.weight", "body.bias", "shortcut.weight", "shortcut.bias"])
    }

    @Test func deepConvNetDirectionalDerivative() {
        // The whole network at once: along the gradient g itself, the central difference of L must
        // equal |g|^2, summed over all sixteen parameter tensors. Along a random direction the terms
        // would cancel to a sum of order sqrt(count) that ReLU and max-pool kinks crossed inside the
        // step disturb by a few per cent; along g they add up, so a wrong backward anywhere in the
        // network shows and kinks do not. (Each layer is also checked element-wise above.)
        let net = DeepConvNet.make(seed: 1)
        let input = randomInput([2, 1, 28, 28])
        var projectionRandom = SeededGenerator(seed: 99)
        let projection = Tensor(shape: [2, 10]) { _ in projectionRandom.nextNormal() }
        func loss(_ model: Sequential) -> Double {
            var copy = model
            var context = ForwardContext(random: SeededGenerator(seed: 7))
            let y = copy.forward(input, context: &context).output
            return zip(y.scalars, projection.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        var copy = net
        var context = ForwardContext(random: SeededGenerator(seed: 7))
        let (_, pullback) = copy.forward(input, context: &context)
        var gradients = Gradients()
        _ = pullback(projection, &gradients)
        #expect(gradients.tensors.count == 16)
        let analytic = gradients.tensors.values.reduce(0.0) { total, g in
            total + g.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
        }
        let epsilon = Float(1e-3 / analytic.squareRoot())
        func moved(_ sign: Float) -> Sequential {
            var m = net
            m.updateParameters { name, p in p.add(gradients[name]!, scaledBy: sign * epsilon) }
            return m
        }
        let numerical = (loss(moved(1)) - loss(moved(-1))) / Double(2 * epsilon)
        #expect(abs(numerical - analytic) / (abs(numerical) + abs(analytic)) < 1e-3, "numerical \(numerical), analytic \(analytic)")
    }

    /// A ReLU whose backward forgets the mask: the check must catch it.
    struct WrongReLU: Layer {
        func callAsFunction(_ input: Tensor) -> Tensor { ReLU()(input) }
        mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
            (self(input), { dy, _ in dy })
        }
    }

    /// A Linear whose weight gradient is transposed the wrong way round (a square layer, so shapes agree).
    struct WrongLinear: Layer {
        var inner: Linear
        func callAsFunction(_ input: Tensor) -> Tensor { inner(input) }
        mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
            let (y, pullback) = inner.forward(input, context: &context)
            return (y, { dy, gradients in
                var scratch = Gradients()
                let dx = pullback(dy, &scratch)
                let w = scratch["weight"]!
                var transposed = w
                for i in 0..<w.shape[0] { for j in 0..<w.shape[1] { transposed[i, j] = w[j, i] } }
                gradients.accumulate("weight", transposed)
                gradients.accumulate("bias", scratch["bias"]!)
                return dx
            })
        }
        func visitParameters(_ body: (String, Tensor) -> Void) { inner.visitParameters(body) }
        mutating func updateParameters(_ body: (String, inout Tensor) -> Void) { inner.updateParameters(body) }
    }

    @Test func checkCatchesWrongBackward() {
        let wrong = gradientCheck(WrongReLU(), input: randomInput([2, 8]))
        #expect(!wrong.passed(), "a ReLU without its mask passed: \(wrong)")
        #expect(wrong.errors["input"]! > 0.1)
        var random = Self.rng()
        let wrongLinear = gradientCheck(WrongLinear(inner: Linear(inFeatures: 4, outFeatures: 4, random: &random)),
                                        input: randomInput([3, 4]))
        #expect(!wrongLinear.passed(), "a transposed weight gradient passed: \(wrongLinear)")
        #expect(wrongLinear.errors["weight"]! > 0.1)
        let forgetful = gradientCheck(Chain(
            lower: Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, random: &random),
            upper: Conv2D(inChannels: 3, outChannels: 2, kernelSize: 1, random: &random), forgetsInputGradient: true),
                                      input: randomInput([2, 2, 4, 4]))
        #expect(!forgetful.passed(), "a pullback that breaks the input-gradient contract passed: \(forgetful)")
        #expect(forgetful.worst < 1e-2, "its gradients are right when the input gradient is needed: \(forgetful)")
        #expect(forgetful.contractViolations.count == 1)
    }
}

@Suite("Gradient checks: blocks")
struct BlockGradientTests {
    @Test func fireModule() {
        var random = SeededGenerator(seed: 4)
        var fire = Fire(inChannels: 3, squeeze: 2, expand1x1: 3, expand3x3: 2, random: &random)
        fire.updateParameters { name, p in if name.hasSuffix("bias") { p = randomInput(p.shape, seed: 31) } }
        let result = gradientCheck(fire, input: randomInput([2, 3, 5, 4]), epsilon: 1e-3)
        #expect(result.passed(), "\(result)")
        #expect(Set(fire.parameters.keys) == ["squeeze.weight", "squeeze.bias", "expand1x1.weight", "expand1x1.bias",
                                              "expand3x3.weight", "expand3x3.bias"])
        #expect(fire(randomInput([1, 3, 5, 4])).shape == [1, 5, 5, 4])
    }

    @Test func vggStage() {
        var random = SeededGenerator(seed: 6)
        let stage = VGGStage.make(inChannels: 2, channels: 3, convolutions: 2, random: &random)
        let input = distinctInput([2, 2, 6, 6])
        #expect(stage(input).shape == [2, 3, 3, 3])
        let result = gradientCheck(stage, input: input, epsilon: 1e-3)
        #expect(result.passed(), "\(result)")
        #expect(Set(stage.parameters.keys) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"])
    }

    @Test func inceptionBlock() {
        var random = SeededGenerator(seed: 7)
        let channels = InceptionChannels(branch1x1: 2, reduce3x3: 2, branch3x3: 3, reduce5x5: 1, branch5x5: 2, poolProjection: 2)
        let block = InceptionBlock.make(inChannels: 3, channels: channels, random: &random)
        let input = distinctInput([2, 3, 5, 5])
        #expect(block(input).shape == [2, channels.outChannels, 5, 5])
        let result = gradientCheck(block, input: input, epsilon: 1e-3)
        #expect(result.passed(), "\(result)")
        #expect(block.parameters.keys.contains("b5.conv.weight") && block.parameters["b5.conv.weight"]!.shape == [2, 1, 5, 5])
    }

    @Test(arguments: [(3, 3, 1), (2, 4, 2)])
    func residualBlock(_ config: (inChannels: Int, channels: Int, stride: Int)) {
        var random = SeededGenerator(seed: 8)
        let block = ResidualBlock.make(inChannels: config.inChannels, channels: config.channels, stride: config.stride,
                                       random: &random)
        let input = randomInput([3, config.inChannels, 4, 4])
        var context = ForwardContext(random: SeededGenerator(seed: 1))
        var copy = block
        #expect(copy.forward(input, context: &context).output.shape == [3, config.channels, 4 / config.stride, 4 / config.stride])
        let result = gradientCheck(block, input: input, epsilon: 1e-3)
        #expect(result.passed(), "\(result)")
        let projected = block.parameters.keys.contains("add.shortcut.conv.weight")
        #expect(projected == (config.stride != 1 || config.inChannels != config.channels))
        #expect(Set(block.buffers.keys).contains("add.body.bn1.running_mean"))
    }

    @Test func squeezeNetLikeStack() {
        // A strided convolution below a fire module: the fire's input gradient feeds a trainable layer.
        var random = SeededGenerator(seed: 2)
        var net = Sequential([
            ("conv1", Conv2D(inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, random: &random)), ("relu1", ReLU()),
            ("fire2", Fire(inChannels: 4, squeeze: 2, expand1x1: 2, expand3x3: 2, random: &random)),
            ("pool", GlobalAvgPool()),
        ])
        // Nonzero biases: with zero ones, wherever the squeeze output is all zeros the expand
        // convolutions' outputs are exactly 0, on the ReLU's kink.
        net.updateParameters { name, p in if name.hasSuffix("bias") { p = randomInput(p.shape, seed: 31) } }
        let result = gradientCheck(net, input: randomInput([2, 3, 9, 9], seed: 4), epsilon: 1e-3)
        #expect(result.passed(), "\(result)")
        #expect(result.errors.count == 1 + net.parameters.count)
    }

    @Test func squeezeNetShapes() {
        let net = SqueezeNet.make(classes: 10, seed: 1)
        #expect(net(Tensor(zeros: [1, 3, 227, 227])).shape == [1, 10])
    }
}

@Suite("Why skip connections")
struct SkipConnectionTests {
    /// The seed text's argument for ResNet, measured: through a deep plain stack the gradient
    /// reaching the first layer shrinks layer after layer; the same layers with identity skips
    /// pass it through.
    @Test func firstLayerGradientSurvivesOnlyWithSkips() {
        let depth = 24
        var random = SeededGenerator(seed: 12)
        // Xavier-initialised 3x3 convolutions with ReLU: each layer roughly halves the signal's
        // variance, as in the plain networks He et al. compare against.
        let convolutions = (0..<depth).map { _ in
            Conv2D(inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, initializer: .xavierNormal, random: &random)
        }
        let plain = Sequential(convolutions.enumerated().flatMap { index, conv -> [(String, any Layer)] in
            [("conv\(index)", conv), ("relu\(index)", ReLU())]
        })
        let residual = Sequential(convolutions.enumerated().map { index, conv -> (String, any Layer) in
            ("block\(index)", Add(body: Sequential([("conv", conv), ("relu", ReLU())])))
        })
        let input = randomInput([2, 4, 6, 6], seed: 3)
        func firstLayerGradientNorm(_ model: Sequential, _ name: String) -> Float {
            var copy = model
            var context = ForwardContext(random: SeededGenerator(seed: 1))
            let (output, pullback) = copy.forward(input, context: &context)
            var gradients = Gradients()
            // dL/dy = y / |y|: a unit-size signal at the top, whatever the output's scale
            _ = pullback(output * (1 / max(output.l2Norm(), 1e-12)), &gradients)
            return gradients[name]!.l2Norm()
        }
        let plainNorm = firstLayerGradientNorm(plain, "conv0.weight")
        let residualNorm = firstLayerGradientNorm(residual, "block0.body.conv.weight")
        #expect(residualNorm > 100 * plainNorm, "plain \(plainNorm), residual \(residualNorm)")
    }
}
