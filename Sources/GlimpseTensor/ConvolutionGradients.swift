// ConvolutionGradients: the two backward kernels of `Convolution.forward` (see Convolution.swift):
// the data gradient, which is also the transposed convolution's forward, and the weight and
// bias gradients.

extension Convolution {
    /// Whether `dataGradient` computes its result as a convolution of the output gradient (true)
    /// rather than as GEMM + col2im (false), for `weight` `[O, C, kH, kW]` and geometry `g`.
    ///
    /// For stride 1 with `padding <= k - 1` the input gradient is itself a convolution: the output
    /// gradient, padded by `k - 1 - padding`, correlated with the weights flipped in space and
    /// transposed to `[C, O, kH, kW]`. That unfolds O * kH * kW rows, col2im writes C * kH * kW
    /// rows and adds them back: it is taken when O <= C, where it moves less memory.
    static func dataGradientIsConvolution(_ g: ConvGeometry, outChannels: Int) -> Bool {
        g.strideY == 1 && g.strideX == 1 && g.padY <= g.kernelHeight - 1 && g.padX <= g.kernelWidth - 1
            && outChannels <= g.channels
    }

    /// The gradient of `forward` with respect to its input, `[N, C, inputHeight, inputWidth]`, for the
    /// output gradient `outputGradient` `[N, O, OH, OW]` and `weight` `[O, C, kH, kW]`.
    ///
    /// Equally: the transposed convolution of `outputGradient` with `weight`. The input size is
    /// given because with a stride above 1 several input sizes have the same output size (PyTorch's
    /// `output_padding`); it must give exactly `OH x OW` windows.
    public static func dataGradient(_ outputGradient: Tensor, weight: Tensor, inputHeight: Int, inputWidth: Int,
                                    _ window: StrideAndPadding) -> Tensor {
        let g = geometry(weight: weight, height: inputHeight, width: inputWidth, window)
        let (o, kh, kw) = (weight.shape[0], g.kernelHeight, g.kernelWidth)
        let n = outputGradient.shape.first ?? 0
        precondition(outputGradient.shape == [n, o, g.outHeight, g.outWidth],
                     "Convolution: output gradient must be [N, \(o), \(g.outHeight), \(g.outWidth)], got \(outputGradient.shape)")
        // The output gradient's geometry when it is convolved (stride 1: its output is H x W).
        let dyGeometry = dataGradientIsConvolution(g, outChannels: o)
            ? ConvGeometry(channels: o, height: g.outHeight, width: g.outWidth, kernelHeight: kh, kernelWidth: kw,
                           padY: kh - 1 - g.padY, padX: kw - 1 - g.padX)
            : nil
        let matrix = dyGeometry == nil ? weight : flippedTransposed(weight)
        let scratchSize = dyGeometry.map { $0.patchSize * $0.outPixels } ?? g.patchSize * g.outPixels
        let shape = [n, g.channels, g.height, g.width]
        // The convolution writes every element; col2im adds into zeros.
        var dx = dyGeometry == nil ? Tensor(zeros: shape) : Tensor(uninitializedShape: shape) { _ in }
        outputGradient.withUnsafeBufferPointer { dyp in
            matrix.withUnsafeBufferPointer { w in
                dx.withUnsafeMutableBufferPointer { dxp in
                    Compute.parallelChunks(n) { _, images in
                        var columns = [Float](repeating: 0, count: scratchSize)
                        columns.withUnsafeMutableBufferPointer { col in
                            for image in images {
                                let grad = dyp.baseAddress! + image * o * g.outPixels
                                let target = dxp.baseAddress! + image * g.imageSize
                                if let dyGeometry {
                                    // dx[n] [C, H*W] = flipped [C, O*kH*kW] x unfold(dy[n]) [O*kH*kW, H*W]
                                    Im2col.unfold(dyGeometry, image: grad, columns: col.baseAddress!)
                                    BLAS.gemm(m: g.channels, n: g.height * g.width, k: dyGeometry.patchSize,
                                              a: w.baseAddress!, lda: dyGeometry.patchSize,
                                              b: col.baseAddress!, ldb: dyGeometry.outPixels,
                                              c: target, ldc: g.height * g.width)
                                } else {
                                    // dcolumns [C*kH*kW, OH*OW] = weight^T x dy[n], then col2im
                                    BLAS.gemm(transposeA: true, m: g.patchSize, n: g.outPixels, k: o,
                                              a: w.baseAddress!, lda: g.patchSize, b: grad, ldb: g.outPixels,
                                              c: col.baseAddress!, ldc: g.outPixels)
                                    Im2col.fold(g, columns: col.baseAddress!, image: target)
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// The gradients of `forward` with respect to its weight, `[O, C, kH, kW]`, and its bias, `[O]`
    /// (the output gradient summed over images and pixels), for `input` `[N, C, H, W]` and
    /// `outputGradient` `[N, O, OH, OW]`; each is nil unless asked for.
    ///
    /// With both asked for, a row of ones under the columns makes the weight GEMM also produce
    /// the bias gradient (its last row): dWeight^T and dBias in one pass.
    public static func weightGradient(input: Tensor, outputGradient dy: Tensor, kernelHeight: Int, kernelWidth: Int,
                                      _ window: StrideAndPadding, computesWeight: Bool = true,
                                      computesBias: Bool = true) -> (weight: Tensor?, bias: Tensor?) {
        precondition(input.rank == 4, "Convolution: input must be [N, C, H, W], got \(input.shape)")
        let g = window.geometry(channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                                kernelHeight: kernelHeight, kernelWidth: kernelWidth)
        let (n, pixels, patch) = (input.shape[0], g.outPixels, g.patchSize)
        precondition(dy.rank == 4 && dy.shape[0] == n && dy.shape[2] == g.outHeight && dy.shape[3] == g.outWidth,
                     "Convolution: output gradient must be [\(n), O, \(g.outHeight), \(g.outWidth)], got \(dy.shape)")
        let o = dy.shape[1]
        if !computesWeight && !computesBias { return (nil, nil) }
        let workers = Compute.chunkCount(for: n)  // one gradient accumulator per chunk
        let fusedBias = computesWeight && computesBias
        let rowsK = fusedBias ? patch + 1 : patch
        // Per-chunk accumulators: [chunks, rowsK * O] (transposed weight gradient) and [chunks, O].
        var weightGradients = [Float](repeating: 0, count: computesWeight ? workers * rowsK * o : 0)
        var biasGradients = [Float](repeating: 0, count: computesBias && !fusedBias ? workers * o : 0)
        input.withUnsafeBufferPointer { x in
            dy.withUnsafeBufferPointer { dyp in
                weightGradients.withUnsafeMutableBufferPointer { dwAll in
                    biasGradients.withUnsafeMutableBufferPointer { dbAll in
                        Compute.parallelChunks(n, chunks: workers) { worker, images in
                            // Rows 0..<patch are the patches; row `patch` (if any) stays all ones.
                            var columns = [Float](repeating: 1, count: computesWeight ? rowsK * pixels : 0)
                            columns.withUnsafeMutableBufferPointer { col in
                                for image in images {
                                    let grad = dyp.baseAddress! + image * o * pixels
                                    if computesWeight {
                                        // dWeight^T [rowsK, O] += columns [rowsK, pixels] x dy[n]^T
                                        Im2col.unfold(g, image: x.baseAddress! + image * g.imageSize, columns: col.baseAddress!)
                                        BLAS.gemm(transposeB: true, m: rowsK, n: o, k: pixels,
                                                  a: col.baseAddress!, lda: pixels, b: grad, ldb: pixels,
                                                  beta: 1, c: dwAll.baseAddress! + worker * rowsK * o, ldc: o)
                                    } else {
                                        let db = dbAll.baseAddress! + worker * o
                                        for c in 0..<o {
                                            var sum: Float = 0
                                            let row = grad + c * pixels
                                            for i in 0..<pixels { sum += row[i] }
                                            db[c] += sum
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard computesWeight else {
            return (nil, Tensor(shape: [o], scalars: sumWorkers(biasGradients, workers)))
        }
        let transposed = sumWorkers(weightGradients, workers)  // [rowsK, O]
        let weight = Tensor(uninitializedShape: [o, g.channels, kernelHeight, kernelWidth]) { dw in
            for row in 0..<o {
                for column in 0..<patch { dw[row * patch + column] = transposed[column * o + row] }
            }
        }
        return (weight, fusedBias ? Tensor(shape: [o], scalars: Array(transposed[(patch * o)...])) : nil)
    }

    /// `weight` `[O, C, kH, kW]` flipped in both spatial axes and transposed to `[C, O, kH, kW]`.
    static func flippedTransposed(_ weight: Tensor) -> Tensor {
        let (o, c, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        return Tensor(uninitializedShape: [c, o, kh, kw]) { out in
            weight.withUnsafeBufferPointer { w in
                for oc in 0..<o { for ic in 0..<c { for ky in 0..<kh { for kx in 0..<kw {
                    out[((ic * o + oc) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx)] = w[((oc * c + ic) * kh + ky) * kw + kx]
                } } } }
            }
        }
    }

    /// Sums `workers` equal slices of `values` in worker order.
    static func sumWorkers(_ values: [Float], _ workers: Int) -> [Float] {
        let size = values.count / workers
        var total = Array(values[0..<size])
        for worker in 1..<max(workers, 1) {
            for i in 0..<size { total[i] += values[worker * size + i] }
        }
        return total
    }
}
