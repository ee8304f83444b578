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
        // The GEMM's columns per image, and its rows: dy unfolded (convolution) or dcolumns (col2im).
        let pixels = dyGeometry?.outPixels ?? g.outPixels
        let rows = dyGeometry?.patchSize ?? g.patchSize
        let groupSize = ImageGroups.size(pixels: pixels)  // small images side by side (ImageGroups.swift)
        let shape = [n, g.channels, g.height, g.width]
        // The convolution writes every element; col2im adds into zeros.
        var dx = dyGeometry == nil ? Tensor(zeros: shape) : Tensor(uninitializedShape: shape) { _ in }
        outputGradient.withUnsafeBufferPointer { dyp in
            matrix.withUnsafeBufferPointer { w in
                dx.withUnsafeMutableBufferPointer { dxp in
                    Compute.parallelChunks(n) { _, images in
                        let width = min(groupSize, images.count) * pixels
                        var columns = [Float](repeating: 0, count: rows * width)
                        // the group's dx (convolution) or dy (col2im) side by side
                        let sideRows = dyGeometry == nil ? o : g.channels
                        var sideBySide = [Float](repeating: 0, count: groupSize > 1 ? sideRows * width : 0)
                        columns.withUnsafeMutableBufferPointer { col in
                            sideBySide.withUnsafeMutableBufferPointer { side in
                                ImageGroups.forEach(images, size: groupSize) { group in
                                    let stride = group.count * pixels
                                    let grad = dyp.baseAddress! + group.lowerBound * o * g.outPixels
                                    let target = dxp.baseAddress! + group.lowerBound * g.imageSize
                                    if let dyGeometry {
                                        // dx [C, count*H*W] = flipped [C, O*kH*kW] x unfold(dy) [O*kH*kW, count*H*W]
                                        for slot in 0..<group.count {
                                            Im2col.unfold(dyGeometry, image: grad + slot * o * g.outPixels,
                                                          columns: col.baseAddress! + slot * pixels, rowStride: stride)
                                        }
                                        BLAS.gemm(m: g.channels, n: stride, k: dyGeometry.patchSize,
                                                  a: w.baseAddress!, lda: dyGeometry.patchSize,
                                                  b: col.baseAddress!, ldb: stride,
                                                  c: group.count == 1 ? target : side.baseAddress!, ldc: stride)
                                        if group.count > 1 {
                                            ImageGroups.scatter(side.baseAddress!, count: group.count, rows: g.channels,
                                                                pixels: pixels, into: target)
                                        }
                                    } else {
                                        // dcolumns [C*kH*kW, count*OH*OW] = weight^T x dy [O, count*OH*OW], then col2im
                                        if group.count > 1 {
                                            ImageGroups.gather(grad, count: group.count, rows: o, pixels: pixels, into: side.baseAddress!)
                                        }
                                        BLAS.gemm(transposeA: true, m: g.patchSize, n: stride, k: o,
                                                  a: w.baseAddress!, lda: g.patchSize,
                                                  b: group.count == 1 ? grad : UnsafePointer(side.baseAddress!), ldb: stride,
                                                  c: col.baseAddress!, ldc: stride)
                                        for slot in 0..<group.count {
                                            Im2col.fold(g, columns: col.baseAddress! + slot * pixels,
                                                        image: target + slot * g.imageSize, rowStride: stride)
                                        }
                                    }
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
                            // Rows 0..<patch: the patches of a group of images side by side
                            // (ImageGroups.swift); row `patch` (if any): ones.
                            let groupSize = ImageGroups.size(pixels: pixels)
                            let width = min(groupSize, images.count) * pixels
                            var columns = [Float](repeating: 1, count: computesWeight ? rowsK * width : 0)
                            var gathered = [Float](repeating: 0, count: computesWeight && groupSize > 1 ? o * width : 0)
                            columns.withUnsafeMutableBufferPointer { col in
                                gathered.withUnsafeMutableBufferPointer { side in
                                    guard computesWeight else {
                                        for image in images {
                                            let grad = dyp.baseAddress! + image * o * pixels
                                            let db = dbAll.baseAddress! + worker * o
                                            for c in 0..<o {
                                                var sum: Float = 0
                                                let row = grad + c * pixels
                                                for i in 0..<pixels { sum += row[i] }
                                                db[c] += sum
                                            }
                                        }
                                        return
                                    }
                                    ImageGroups.forEach(images, size: groupSize) { group in
                                        let stride = group.count * pixels
                                        if fusedBias { (col.baseAddress! + patch * stride).update(repeating: 1, count: stride) }
                                        for (slot, image) in group.enumerated() {
                                            Im2col.unfold(g, image: x.baseAddress! + image * g.imageSize,
                                                          columns: col.baseAddress! + slot * pixels, rowStride: stride)
                                        }
                                        let grad = dyp.baseAddress! + group.lowerBound * o * pixels
                                        if group.count > 1 {
                                            ImageGroups.gather(grad, count: group.count, rows: o, pixels: pixels, into: side.baseAddress!)
                                        }
                                        // dWeight^T [rowsK, O] += columns [rowsK, count*pixels] x dy^T
                                        BLAS.gemm(transposeB: true, m: rowsK, n: o, k: stride,
                                                  a: col.baseAddress!, lda: stride,
                                                  b: group.count == 1 ? grad : UnsafePointer(side.baseAddress!), ldb: stride,
                                                  beta: 1, c: dwAll.baseAddress! + worker * rowsK * o, ldc: o)
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
