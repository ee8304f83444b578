// ConvTranspose2D: a naive scatter reference, the bilinear initialiser (FCN's upsample_filt),
// and central-difference gradient checks; Crop's gradient check; convolutionalisation.

import GlimpseNN
import GlimpseTensor
import Testing

@Suite("Transposed convolution, crop and convolutionalisation")
struct ConvTranspose2DTests {
    /// y[n, o, i*s - p + a, j*s - p + b] += x[n, c, i, j] * w[c, o, a, b], kept where inside the output.
    static func naive(_ x: Tensor, _ layer: ConvTranspose2D) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, k, s, p) = (layer.outChannels, layer.weight.shape[2], layer.stride, layer.padding)
        let (oh, ow) = (layer.outputSize(h), layer.outputSize(w))
        var y = [Float](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n { for ci in 0..<c { for i in 0..<h { for j in 0..<w {
            let v = x.scalars[((b * c + ci) * h + i) * w + j]
            for oi in 0..<o { for a in 0..<k { for bb in 0..<k {
                let (yy, xx) = (i * s - p + a, j * s - p + bb)
                guard yy >= 0, yy < oh, xx >= 0, xx < ow else { continue }
                y[((b * o + oi) * oh + yy) * ow + xx] += v * layer.weight.scalars[((ci * o + oi) * k + a) * k + bb]
            } } }
        } } } }
        if let bias = layer.bias {
            for b in 0..<n { for oi in 0..<o { for i in 0..<(oh * ow) { y[(b * o + oi) * oh * ow + i] += bias.scalars[oi] } } }
        }
        return Tensor(shape: [n, o, oh, ow], scalars: y)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int, bias: Bool
        var testDescription: String { "\(inChannels)->\(outChannels) k\(kernel) s\(stride) p\(padding) op\(outputPadding)\(bias ? "" : " no bias")" }
    }

    static let cases = [
        Case(inChannels: 3, outChannels: 2, kernel: 4, stride: 2, padding: 0, outputPadding: 0, bias: false),
        Case(inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1, bias: true),
        Case(inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1, outputPadding: 0, bias: true),
        Case(inChannels: 3, outChannels: 3, kernel: 16, stride: 8, padding: 0, outputPadding: 0, bias: false),
        Case(inChannels: 1, outChannels: 4, kernel: 5, stride: 3, padding: 2, outputPadding: 2, bias: true),
    ]

    static func layer(_ c: Case) -> ConvTranspose2D {
        var random = SeededGenerator(seed: 11)
        var layer = ConvTranspose2D(inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: c.kernel, stride: c.stride,
                                    padding: c.padding, outputPadding: c.outputPadding, useBias: c.bias, random: &random)
        if layer.bias != nil { layer.bias = Tensor(shape: [c.outChannels]) { Float($0) * 0.1 - 0.1 } }
        return layer
    }

    @Test("forward equals the naive scatter", arguments: cases)
    func forwardMatchesNaive(_ c: Case) {
        let layer = Self.layer(c)
        let x = randomInput([2, c.inChannels, 3, 4], seed: 4)
        let (fast, slow) = (layer(x), Self.naive(x, layer))
        #expect(fast.shape == slow.shape)
        #expect(zip(fast.scalars, slow.scalars).allSatisfy { abs($0 - $1) < 1e-4 }, "max difference \((fast - slow).maxAbs())")
    }

    @Test("gradient check", arguments: cases)
    func gradients(_ c: Case) {
        let result = gradientCheck(Self.layer(c), input: randomInput([2, c.inChannels, 3, 4], seed: 8))
        #expect(result.passed(tolerance: 1e-2), "\(result)")
    }

    @Test func bilinearFilterIsFCNs() {
        // upsample_filt(4): f = 2, c = 1.5 -> (0.25, 0.75, 0.75, 0.25) outer itself.
        let row: [Float] = [0.25, 0.75, 0.75, 0.25]
        #expect(ConvTranspose2D.bilinearFilter(size: 4) == row.flatMap { a in row.map { a * $0 } })
        // upsample_filt(3): f = 2, c = 1 -> (0.5, 1, 0.5).
        #expect(ConvTranspose2D.bilinearFilter(size: 3) == [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25])
    }

    @Test func bilinearUpsamplingInterpolates() {
        // One channel per class, no mixing; a ramp is reproduced linearly between the input's
        // cells (away from the borders, where the transposed convolution sees no neighbour).
        let up = ConvTranspose2D.bilinear(channels: 2, stride: 4)
        #expect(up.weight.shape == [2, 2, 8, 8])
        let ramp = Tensor(shape: [1, 2, 1, 6]) { Float($0 % 6) * ($0 < 6 ? 1 : -2) }
        let wide = up(Tensor(shape: [1, 2, 6, 6]) { ramp.scalars[($0 / 36) * 6 + $0 % 6] })
        #expect(wide.shape == [1, 2, 28, 28])
        // Cell i sits at output 4 i + 3.5; between cells 1 and 4 the output is linear with slope 1/4.
        for x in 8..<19 {
            let expected = (Float(x) - 3.5) / 4
            #expect(abs(wide.scalars[12 * 28 + x] - expected) < 1e-5)
            #expect(abs(wide.scalars[784 + 12 * 28 + x] + 2 * expected) < 1e-4)
        }
    }

    @Test func cropGradientCheck() {
        let result = gradientCheck(Crop(top: 2, left: 1, height: 3, width: 4), input: randomInput([2, 3, 6, 7]))
        #expect(result.passed(tolerance: 1e-3), "\(result)")
        let x = Tensor(shape: [1, 1, 3, 3]) { Float($0) }
        #expect(Crop(top: 1, left: 1, height: 2, width: 2)(x).scalars == [4, 5, 7, 8])
    }

    @Test func convolutionalizedLinearIsTheSameMap() {
        var random = SeededGenerator(seed: 2)
        let linear = Linear(inFeatures: 3 * 4 * 4, outFeatures: 5, random: &random)
        let conv = linear.convolutionalized(channels: 3, kernelHeight: 4, kernelWidth: 4)
        // One window: the same logits.
        let window = randomInput([2, 3, 4, 4])
        let direct = linear(window.reshaped([2, 48])), convolved = conv(window)
        #expect(convolved.shape == [2, 5, 1, 1])
        #expect(zip(direct.scalars, convolved.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        // A larger map: every 4x4 window's logits, at once.
        let map = randomInput([1, 3, 6, 7], seed: 3)
        let all = conv(map)
        #expect(all.shape == [1, 5, 3, 4])
        for y in 0..<3 { for x in 0..<4 {
            let one = linear(Crop(top: y, left: x, height: 4, width: 4)(map).reshaped([1, 48]))
            for o in 0..<5 { #expect(abs(one.scalars[o] - all.scalars[(o * 3 + y) * 4 + x]) < 1e-5) }
        } }
        #expect(conv.linearized().weight == linear.weight)
    }
}
