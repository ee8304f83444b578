// Conv2D's im2col + GEMM forward against a direct seven-loop convolution.

import GlimpseTensor
import Testing

@Suite("Convolution reference")
struct ConvolutionReferenceTests {
    /// Direct convolution: `x` `[N, C, H, W]`, `w` `[O, C, kH, kW]` -> `[N, O, outH, outW]`.
    static func direct(_ x: Tensor, _ w: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - kh) / stride + 1, ow = (wd + 2 * padding - kw) / stride + 1
        var y = Tensor(zeros: [n, o, oh, ow])
        for i in 0..<n { for f in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
            var sum: Float = 0
            for ch in 0..<c { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < wd { sum += x[i, ch, iy, ix] * w[f, ch, ky, kx] }
            } } }
            y[i, f, oy, ox] = sum
        } } } }
        return y
    }

    @Test(arguments: [(1, 1), (2, 0), (1, 2), (3, 1)])
    func im2colGemmMatchesDirect(_ config: (Int, Int)) {
        var random = SeededGenerator(seed: 8)
        let x = Tensor(shape: [3, 2, 9, 8]) { _ in random.nextNormal() }
        let w = Tensor(shape: [5, 2, 3, 3]) { _ in random.nextNormal() }
        let g = ConvGeometry(channels: 2, height: 9, width: 8, kernelHeight: 3, kernelWidth: 3,
                             strideY: config.0, strideX: config.0, padY: config.1, padX: config.1)
        var y = Tensor(zeros: [3, 5, g.outHeight, g.outWidth])
        var columns = [Float](repeating: 0, count: g.patchSize * g.outPixels)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    columns.withUnsafeMutableBufferPointer { col in
                        for image in 0..<3 {
                            Im2col.unfold(g, image: xp.baseAddress! + image * g.imageSize, columns: col.baseAddress!)
                            BLAS.gemm(m: 5, n: g.outPixels, k: g.patchSize, a: wp.baseAddress!, lda: g.patchSize,
                                      b: col.baseAddress!, ldb: g.outPixels,
                                      c: yp.baseAddress! + image * 5 * g.outPixels, ldc: g.outPixels)
                        }
                    }
                }
            }
        }
        #expect((y - Self.direct(x, w, stride: config.0, padding: config.1)).maxAbs() < 1e-4)
    }
}
