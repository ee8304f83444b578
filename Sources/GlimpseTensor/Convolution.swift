// Convolution: the three kernels of a 2-D convolution (cross-correlation, as in every
// deep-learning library) on NCHW tensors, as im2col + GEMM (darknet's convolutional_layer.c):
//
//   forward         x [N, C, H, W], w [O, C, kH, kW], b [O]  ->  y  [N, O, OH, OW]
//   dataGradient    dy [N, O, OH, OW], w [O, C, kH, kW]       ->  dx [N, C, H, W]
//   weightGradient  x [N, C, H, W], dy [N, O, OH, OW]         ->  dw [O, C, kH, kW], db [O]
//
// with OH = (H + 2 padY - kH) / strideY + 1 (floor), OW likewise. `dataGradient` is the adjoint
// of `forward` in x, <forward(x), dy> = <x, dataGradient(dy)>: it is a convolution's backward
// and also the forward of the transposed convolution with the same weight (PyTorch's
// ConvTranspose2d, whose weight is [in = O, out = C, kH, kW]). That layer's backward is in turn
// `forward` (its data gradient) and `weightGradient` with x and dy swapped (its weight gradient),
// the way darknet's deconvolutional layer reuses the convolution's GEMMs.
//
// Per image n (the columns are recomputed in each kernel: they stay in L2 cache, and storing
// them for a whole batch would cost more memory traffic than recomputing them):
//   forward         columns = im2col(x[n])       [C*kH*kW, OH*OW]
//                   y[n] = w * columns + b       [O, OH*OW], written straight into NCHW
//   weightGradient  dw^T += columns * dy[n]^T    [C*kH*kW, O] (transposed: OpenBLAS runs this shape
//                                                faster; the bias gradient from an extra row of ones)
//   dataGradient    dx[n] = col2im(w^T * dy[n])  general path, or for stride 1 when O <= C:
//                   dx[n] = flipped(w)^T * im2col(pad(dy[n]))   a convolution of dy, no scatter-add
// Images are split into chunks shared out among `Compute.threads` threads; each chunk has its own
// scratch (and its own weight-gradient accumulator, summed in chunk order, so the result does not
// depend on which thread ran which chunk).

/// Where a 2-D convolution's windows sit: the step between them and the zeros added on each side.
public struct StrideAndPadding: Sendable, Hashable {
    /// Step between windows, vertically and horizontally.
    public let strideY: Int, strideX: Int
    /// Zeros added above and below, and left and right.
    public let padY: Int, padX: Int

    /// The same stride and padding in both directions.
    public init(stride: Int = 1, padding: Int = 0) {
        self.init(strideY: stride, strideX: stride, padY: padding, padX: padding)
    }

    /// Stride and padding per axis.
    public init(strideY: Int, strideX: Int, padY: Int, padX: Int) {
        precondition(strideY >= 1 && strideX >= 1 && padY >= 0 && padX >= 0,
                     "StrideAndPadding: bad stride \(strideY)x\(strideX) or padding \(padY)x\(padX)")
        self.strideY = strideY; self.strideX = strideX; self.padY = padY; self.padX = padX
    }

    /// The geometry of `kernelHeight x kernelWidth` windows over images `[channels, height, width]`.
    public func geometry(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int) -> ConvGeometry {
        ConvGeometry(channels: channels, height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                     strideY: strideY, strideX: strideX, padY: padY, padX: padX)
    }
}

/// The kernels of a 2-D convolution: forward, data gradient (= transposed convolution) and weight gradient.
public enum Convolution {
    /// The geometry of `weight` `[O, C, kH, kW]` over images `height x width`, checking the weight's rank.
    static func geometry(weight: Tensor, height: Int, width: Int, _ window: StrideAndPadding) -> ConvGeometry {
        precondition(weight.rank == 4, "Convolution: weight must be [O, C, kH, kW], got \(weight.shape)")
        return window.geometry(channels: weight.shape[1], height: height, width: width,
                               kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
    }

    /// The convolution of `input` `[N, C, H, W]` with `weight` `[O, C, kH, kW]`, plus `bias` `[O]`
    /// (nil: none): `[N, O, OH, OW]`.
    ///
    /// The bias rides along in the GEMM: the weights get it as an extra column and the column
    /// matrix an extra row of ones, which saves a pass over the output. A 1x1 window with stride 1
    /// and no padding skips im2col: each image already is its own column matrix.
    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, _ window: StrideAndPadding) -> Tensor {
        precondition(input.rank == 4, "Convolution: input must be [N, C, H, W], got \(input.shape)")
        let g = geometry(weight: weight, height: input.shape[2], width: input.shape[3], window)
        precondition(input.shape[1] == g.channels, "Convolution: input \(input.shape) does not match weight \(weight.shape)")
        let (n, o, pixels, patch) = (input.shape[0], weight.shape[0], g.outPixels, g.patchSize)
        if let bias { precondition(bias.shape == [o], "Convolution: bias must be [\(o)], got \(bias.shape)") }
        let isPointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && window == StrideAndPadding()
        let k = bias == nil || isPointwise ? patch : patch + 1
        let augmented = k == patch ? weight.scalars : appendingColumn(weight.scalars, bias!.scalars, rows: o)
        // Fewer images than threads (one image, FCN's case): the threads share each image's GEMM
        // by output pixels instead, when there are enough of them to pay for the hand-off.
        let splitColumns = n < Compute.threads && pixels >= 4096
        return Tensor(uninitializedShape: [n, o, g.outHeight, g.outWidth]) { out in
            input.withUnsafeBufferPointer { x in
                augmented.withUnsafeBufferPointer { w in
                    Compute.parallelChunks(n) { _, images in
                        var columns = isPointwise ? [] : [Float](repeating: 1, count: k * pixels)
                        columns.withUnsafeMutableBufferPointer { col in
                            for image in images {
                                let src = x.baseAddress! + image * g.imageSize
                                let dst = out.baseAddress! + image * o * pixels
                                if isPointwise {
                                    gemmByColumns(m: o, pixels: pixels, k: patch, a: w.baseAddress!, b: src, c: dst, split: splitColumns)
                                    if let bias { addChannelBias(bias, to: dst, channels: o, pixels: pixels) }
                                } else {
                                    // Rows 0..<patch are the patches; row `patch` (if any) stays all ones.
                                    Im2col.unfold(g, image: src, columns: col.baseAddress!)
                                    gemmByColumns(m: o, pixels: pixels, k: k, a: w.baseAddress!, b: col.baseAddress!, c: dst,
                                                  split: splitColumns)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `c` `[m, pixels]` = `a` `[m, k]` x `b` `[k, pixels]` (row-major, `ldb = ldc = pixels`); with
    /// `split`, the pixel columns are cut into contiguous blocks shared out among the compute
    /// threads (each block's GEMM reads the whole of `a` and its own columns of `b`).
    static func gemmByColumns(m: Int, pixels: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                              c: UnsafeMutablePointer<Float>, split: Bool) {
        guard split else {
            BLAS.gemm(m: m, n: pixels, k: k, a: a, lda: k, b: b, ldb: pixels, c: c, ldc: pixels)
            return
        }
        // Blocks of whole 64-column groups, so each block's GEMM keeps full-width kernels.
        let groups = (pixels + 63) / 64
        Compute.parallelChunks(groups, chunks: min(groups, Compute.threads * 2)) { _, range in
            let start = range.lowerBound * 64, end = min(pixels, range.upperBound * 64)
            BLAS.gemm(m: m, n: end - start, k: k, a: a, lda: k, b: b + start, ldb: pixels, c: c + start, ldc: pixels)
        }
    }

    /// Adds `bias` `[channels]` to each row of `image` `[channels, pixels]`.
    public static func addChannelBias(_ bias: Tensor, to image: UnsafeMutablePointer<Float>, channels: Int, pixels: Int) {
        bias.withUnsafeBufferPointer { b in
            for c in 0..<channels {
                let row = image + c * pixels
                let value = b[c]
                for i in 0..<pixels { row[i] += value }
            }
        }
    }

    /// `matrix` `[rows, columns]` with `column` `[rows]` appended: `[rows, columns + 1]`.
    static func appendingColumn(_ matrix: [Float], _ column: [Float], rows: Int) -> [Float] {
        let columns = matrix.count / rows
        var result = [Float]()
        result.reserveCapacity(rows * (columns + 1))
        for row in 0..<rows {
            result.append(contentsOf: matrix[(row * columns)..<((row + 1) * columns)])
            result.append(column[row])
        }
        return result
    }
}
