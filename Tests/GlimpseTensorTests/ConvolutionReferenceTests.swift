// The convolution kernels (forward, data gradient, weight gradient) against direct loops, and the
// adjoint identity that lets a transposed convolution reuse them.

@testable import GlimpseTensor
import Testing

@Suite("Convolution reference")
struct ConvolutionReferenceTests {
    /// Calls `body(image, o, oy, ox, c, iy, ix, ky, kx)` for every kernel tap of a convolution of
    /// `[n, c, h, w]` images with `[o, c, kH, kW]` weights that lands inside the image: output
    /// pixel (oy, ox) of channel o sees input pixel (iy, ix) of channel c through weight (ky, kx).
    static func forEachTap(input: [Int], weight: [Int], _ s: StrideAndPadding,
                           _ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        let (n, c, h, wd) = (input[0], input[1], input[2], input[3])
        let (o, kh, kw) = (weight[0], weight[2], weight[3])
        let oh = (h + 2 * s.padY - kh) / s.strideY + 1, ow = (wd + 2 * s.padX - kw) / s.strideX + 1
        for i in 0..<n { for f in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
            for ch in 0..<c { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * s.strideY - s.padY + ky, ix = ox * s.strideX - s.padX + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < wd { body(i, f, oy, ox, ch, iy, ix, ky, kx) }
            } } }
        } } } }
    }

    /// Direct convolution: `x` `[N, C, H, W]`, `w` `[O, C, kH, kW]` -> `[N, O, outH, outW]`.
    static func direct(_ x: Tensor, _ w: Tensor, _ s: StrideAndPadding) -> Tensor {
        let g = s.geometry(channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                           kernelHeight: w.shape[2], kernelWidth: w.shape[3])
        var y = Tensor(zeros: [x.shape[0], w.shape[0], g.outHeight, g.outWidth])
        forEachTap(input: x.shape, weight: w.shape, s) { i, f, oy, ox, ch, iy, ix, ky, kx in
            y[i, f, oy, ox] += x[i, ch, iy, ix] * w[f, ch, ky, kx]
        }
        return y
    }

    /// Direct data gradient: scatters `dy` `[N, O, outH, outW]` through `w` `[O, C, kH, kW]` into `[N, C, h, wd]`.
    static func directDataGradient(_ dy: Tensor, _ w: Tensor, height h: Int, width wd: Int, _ s: StrideAndPadding) -> Tensor {
        var dx = Tensor(zeros: [dy.shape[0], w.shape[1], h, wd])
        forEachTap(input: dx.shape, weight: w.shape, s) { i, f, oy, ox, ch, iy, ix, ky, kx in
            dx[i, ch, iy, ix] += dy[i, f, oy, ox] * w[f, ch, ky, kx]
        }
        return dx
    }

    /// Direct weight gradient `[O, C, kH, kW]` for `x` `[N, C, H, W]` and `dy` `[N, O, outH, outW]`.
    static func directWeightGradient(_ x: Tensor, _ dy: Tensor, kernelHeight kh: Int, kernelWidth kw: Int,
                                     _ s: StrideAndPadding) -> Tensor {
        var dw = Tensor(zeros: [dy.shape[1], x.shape[1], kh, kw])
        forEachTap(input: x.shape, weight: dw.shape, s) { i, f, oy, ox, ch, iy, ix, ky, kx in
            dw[f, ch, ky, kx] += dy[i, f, oy, ox] * x[i, ch, iy, ix]
        }
        return dw
    }

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: shape) { _ in generator.nextNormal() }
    }

    /// `max |a - b| / max(1, max |b|)`.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        return (a - b).maxAbs() / max(1, b.maxAbs())
    }

    /// A convolution case: input `[2, channels, height, width]`, weight `[outChannels, channels, kH, kW]`,
    /// and which method `dataGradient` must take for it.
    struct Case: CustomTestStringConvertible, Sendable {
        var channels: Int, outChannels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int
        var window: StrideAndPadding
        var dataGradientIsConvolution: Bool
        var testDescription: String {
            "\(channels)->\(outChannels) \(height)x\(width) k\(kernelHeight)x\(kernelWidth) "
                + "s\(window.strideY)x\(window.strideX) p\(window.padY)x\(window.padX)"
        }
    }

    static let cases: [Case] = [
        // stride 1 with O <= C: the data gradient is a convolution of dy
        Case(channels: 5, outChannels: 3, height: 9, width: 8, kernelHeight: 3, kernelWidth: 3,
             window: StrideAndPadding(stride: 1, padding: 1), dataGradientIsConvolution: true),
        Case(channels: 4, outChannels: 4, height: 6, width: 7, kernelHeight: 3, kernelWidth: 2,
             window: StrideAndPadding(strideY: 1, strideX: 1, padY: 2, padX: 0), dataGradientIsConvolution: true),
        Case(channels: 4, outChannels: 4, height: 5, width: 5, kernelHeight: 1, kernelWidth: 1,
             window: StrideAndPadding(), dataGradientIsConvolution: true),
        // GEMM + col2im: more output than input channels, a stride, or padding beyond k - 1
        Case(channels: 2, outChannels: 5, height: 9, width: 8, kernelHeight: 3, kernelWidth: 3,
             window: StrideAndPadding(stride: 1, padding: 1), dataGradientIsConvolution: false),
        Case(channels: 5, outChannels: 3, height: 9, width: 8, kernelHeight: 3, kernelWidth: 3,
             window: StrideAndPadding(stride: 2, padding: 0), dataGradientIsConvolution: false),
        Case(channels: 3, outChannels: 2, height: 7, width: 6, kernelHeight: 2, kernelWidth: 3,
             window: StrideAndPadding(strideY: 3, strideX: 2, padY: 1, padX: 2), dataGradientIsConvolution: false),
        Case(channels: 4, outChannels: 2, height: 5, width: 4, kernelHeight: 2, kernelWidth: 2,
             window: StrideAndPadding(stride: 1, padding: 2), dataGradientIsConvolution: false),
        Case(channels: 2, outChannels: 4, height: 5, width: 5, kernelHeight: 1, kernelWidth: 1,
             window: StrideAndPadding(), dataGradientIsConvolution: false),
        // one output pixel from a 1x1 image: padding beyond the kernel with a stride
        Case(channels: 3, outChannels: 2, height: 1, width: 1, kernelHeight: 2, kernelWidth: 2,
             window: StrideAndPadding(stride: 2, padding: 1), dataGradientIsConvolution: false),
    ]

    @Test(arguments: cases)
    func forwardMatchesDirect(_ c: Case) {
        let x = Self.random([2, c.channels, c.height, c.width], seed: 1)
        let w = Self.random([c.outChannels, c.channels, c.kernelHeight, c.kernelWidth], seed: 2)
        let bias = Self.random([c.outChannels], seed: 3)
        let reference = Self.direct(x, w, c.window)
        #expect(Self.relativeError(Convolution.forward(x, weight: w, bias: nil, c.window), reference) < 1e-5)
        var withBias = reference
        for i in 0..<withBias.count {
            withBias.scalars[i] += bias.scalars[(i / (reference.shape[2] * reference.shape[3])) % c.outChannels]
        }
        #expect(Self.relativeError(Convolution.forward(x, weight: w, bias: bias, c.window), withBias) < 1e-5)
    }

    /// One image of 4,900 output pixels: with two or more compute threads (the default on a
    /// multi-core machine) the threads share its GEMM by blocks of output pixels.
    @Test(arguments: [3, 1])
    func oneLargeImageSplitByPixelsMatchesDirect(kernel: Int) {
        let x = Self.random([1, 3, 70, 70], seed: 7)
        let w = Self.random([5, 3, kernel, kernel], seed: 8)
        let window = StrideAndPadding(stride: 1, padding: kernel / 2)
        let bias = Tensor(shape: [5], scalars: [0.1, -0.2, 0.3, 0, 0.5])
        var reference = Self.direct(x, w, window)
        for i in 0..<reference.count { reference.scalars[i] += bias.scalars[i / 4900] }
        #expect(Self.relativeError(Convolution.forward(x, weight: w, bias: bias, window), reference) < 1e-5)
    }

    @Test(arguments: cases)
    func dataGradientMatchesDirectAndIsTheAdjoint(_ c: Case) {
        let x = Self.random([2, c.channels, c.height, c.width], seed: 4)
        let w = Self.random([c.outChannels, c.channels, c.kernelHeight, c.kernelWidth], seed: 5)
        let g = c.window.geometry(channels: c.channels, height: c.height, width: c.width,
                                  kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth)
        #expect(Convolution.dataGradientIsConvolution(g, outChannels: c.outChannels) == c.dataGradientIsConvolution)
        let dy = Self.random([2, c.outChannels, g.outHeight, g.outWidth], seed: 6)
        let dx = Convolution.dataGradient(dy, weight: w, inputHeight: c.height, inputWidth: c.width, c.window)
        #expect(dx.shape == x.shape)
        #expect(Self.relativeError(dx, Self.directDataGradient(dy, w, height: c.height, width: c.width, c.window)) < 1e-5)
        // <forward(x), dy> == <x, dataGradient(dy)>: what makes dataGradient a transposed convolution.
        func dot(_ a: Tensor, _ b: Tensor) -> Double { zip(a.scalars, b.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        let left = dot(Convolution.forward(x, weight: w, bias: nil, c.window), dy)
        let right = dot(x, dx)
        #expect(abs(left - right) <= 1e-4 * max(1, abs(left)), "<conv(x), dy> = \(left), <x, dataGradient(dy)> = \(right)")
    }

    @Test(arguments: cases)
    func weightGradientMatchesDirect(_ c: Case) {
        let x = Self.random([3, c.channels, c.height, c.width], seed: 7)
        let g = c.window.geometry(channels: c.channels, height: c.height, width: c.width,
                                  kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth)
        let dy = Self.random([3, c.outChannels, g.outHeight, g.outWidth], seed: 8)
        let reference = Self.directWeightGradient(x, dy, kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth, c.window)
        let biasReference = Tensor(shape: [c.outChannels]) { o in
            (0..<3).reduce(0) { total, n in total + dy.item(n).scalars[(o * g.outPixels)..<((o + 1) * g.outPixels)].reduce(0, +) }
        }
        // Both (the bias from the ones row under the columns), the weight alone, the bias alone.
        let both = Convolution.weightGradient(input: x, outputGradient: dy, kernelHeight: c.kernelHeight,
                                              kernelWidth: c.kernelWidth, c.window)
        let weightOnly = Convolution.weightGradient(input: x, outputGradient: dy, kernelHeight: c.kernelHeight,
                                                    kernelWidth: c.kernelWidth, c.window, computesBias: false)
        let biasOnly = Convolution.weightGradient(input: x, outputGradient: dy, kernelHeight: c.kernelHeight,
                                                  kernelWidth: c.kernelWidth, c.window, computesWeight: false)
        #expect(Self.relativeError(both.weight!, reference) < 1e-5)
        #expect(Self.relativeError(both.bias!, biasReference) < 1e-5)
        #expect(Self.relativeError(weightOnly.weight!, reference) < 1e-5 && weightOnly.bias == nil)
        #expect(biasOnly.weight == nil && Self.relativeError(biasOnly.bias!, biasReference) < 1e-5)
    }

    @Test func transposedConvolutionReusesTheKernels() {
        // A transposed convolution T with weight w [O, C, kH, kW] maps [N, O, h, w] to [N, C, H, W]:
        // T(z) = dataGradient(z). Its data gradient is `forward` and its weight gradient is
        // `weightGradient` with the roles swapped; checked here on the loss L = <T(z), r> against
        // central differences of the direct scatter.
        let window = StrideAndPadding(stride: 2, padding: 1)
        let (height, width) = (7, 6)
        let w = Self.random([3, 2, 3, 3], seed: 9)
        let g = window.geometry(channels: 2, height: height, width: width, kernelHeight: 3, kernelWidth: 3)
        let z = Self.random([2, 3, g.outHeight, g.outWidth], seed: 10)
        let r = Self.random([2, 2, height, width], seed: 11)
        func loss(_ z: Tensor, _ w: Tensor) -> Double {
            let y = Self.directDataGradient(z, w, height: height, width: width, window)
            return zip(y.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let dz = Convolution.forward(r, weight: w, bias: nil, window)
        let dw = Convolution.weightGradient(input: r, outputGradient: z, kernelHeight: 3, kernelWidth: 3, window,
                                            computesBias: false).weight!
        let epsilon: Float = 0.5  // the loss is linear in z and in w: no truncation error
        for i in [0, 7, z.count / 2, z.count - 1] {
            var plus = z, minus = z
            plus.scalars[i] += epsilon; minus.scalars[i] -= epsilon
            let numerical = (loss(plus, w) - loss(minus, w)) / Double(2 * epsilon)
            #expect(abs(numerical - Double(dz.scalars[i])) < 1e-3 * max(1, abs(numerical)), "dz[\(i)]")
        }
        for i in [0, 5, w.count / 2, w.count - 1] {
            var plus = w, minus = w
            plus.scalars[i] += epsilon; minus.scalars[i] -= epsilon
            let numerical = (loss(z, plus) - loss(z, minus)) / Double(2 * epsilon)
            #expect(abs(numerical - Double(dw.scalars[i])) < 1e-3 * max(1, abs(numerical)), "dw[\(i)]")
        }
    }
}
