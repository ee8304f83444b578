// Conv2D: 2-D convolution (cross-correlation, as in every deep-learning library) as im2col + GEMM.
//
// Forward, per image n (darknet's convolutional_layer.c):
//   columns = im2col(x[n])                        [C*kH*kW, outH*outW]
//   y[n]    = weight * columns + bias             [O, outH*outW], written straight into NCHW
// Backward, per image, recomputing the columns (they stay in L2 cache; storing them for a
// whole batch would cost more memory traffic than recomputing them):
//   dWeight += dy[n] * columns^T                  [O, C*kH*kW] (computed transposed, with the
//                                                 bias gradient from an extra row of ones)
//   dx[n]    = col2im(weight^T * dy[n])           general path, or for stride 1 when O <= C:
//   dx[n]    = flipped(weight)^T * im2col(pad(dy[n]))   a convolution of dy, no scatter-add
// Images are split into chunks shared out among `Compute.threads` threads; each chunk has its
// own scratch and its own weight-gradient accumulator, summed in chunk order (so the result does
// not depend on which thread ran which chunk).

import GlimpseTensor

/// A 2-D convolution over `[N, C, H, W]` inputs with weights `[O, C, kH, kW]` (PyTorch's OIHW).
public struct Conv2D: Layer {
    /// Filters, `[outChannels, inChannels, kernelHeight, kernelWidth]`.
    public var weight: Tensor
    /// One bias per output channel, `[outChannels]` (nil: no bias).
    public var bias: Tensor?
    /// Step between windows (same in both directions).
    public let stride: Int
    /// Zeros added on each side (same in both directions).
    public let padding: Int
    /// Whether the pullback computes the input gradient. A network's first convolution sees
    /// data, whose gradient nobody uses; turning this off there skips a third of its backward
    /// pass, and the pullback returns zeros instead. (It is also skipped whenever
    /// `Gradients.needsInputGradient` is false.)
    public var computesInputGradient = true

    /// Creates a convolution from existing weights `[O, C, kH, kW]` and bias `[O]`.
    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) {
        precondition(weight.rank == 4, "Conv2D: weight must be [O, C, kH, kW], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Conv2D: bias must be [\(weight.shape[0])], got \(bias.shape)") }
        precondition(stride >= 1 && padding >= 0, "Conv2D: bad stride \(stride) or padding \(padding)")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
    }

    /// Creates a convolution with initialised weights and zero bias.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                useBias: Bool = true, initializer: Initializer = .he, random: inout SeededGenerator) {
        let shape = [outChannels, inChannels, kernelSize, kernelSize]
        let fanIn = inChannels * kernelSize * kernelSize
        let fanOut = outChannels * kernelSize * kernelSize
        self.init(weight: initializer.make(shape: shape, fanIn: fanIn, fanOut: fanOut, random: &random),
                  bias: useBias ? Tensor(zeros: [outChannels]) : nil, stride: stride, padding: padding)
    }

    /// Output channels.
    public var outChannels: Int { weight.shape[0] }
    /// Input channels.
    public var inChannels: Int { weight.shape[1] }

    /// The window geometry for an input `[N, C, H, W]`.
    func geometry(_ input: Tensor) -> ConvGeometry {
        precondition(input.rank == 4 && input.shape[1] == inChannels,
                     "Conv2D: input must be [N, \(inChannels), H, W], got \(input.shape)")
        return ConvGeometry(channels: inChannels, height: input.shape[2], width: input.shape[3],
                            kernelHeight: weight.shape[2], kernelWidth: weight.shape[3],
                            strideY: stride, strideX: stride, padY: padding, padX: padding)
    }

    /// Inference: `[N, C, H, W]` -> `[N, O, (H + 2p - kH) / s + 1, (W + 2p - kW) / s + 1]`.
    ///
    /// The bias rides along in the GEMM: the weights get the bias as an extra column and the
    /// column matrix an extra row of ones, which saves a pass over the output.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let g = geometry(input)
        let (n, o, pixels, patch) = (input.shape[0], outChannels, g.outPixels, g.patchSize)
        let isPointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && stride == 1 && padding == 0
        let k = bias == nil || isPointwise ? patch : patch + 1
        let augmented = k == patch ? weight.scalars : Conv2D.appendingColumn(weight.scalars, bias!.scalars, rows: o)
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
                                    BLAS.gemm(m: o, n: pixels, k: patch, a: w.baseAddress!, lda: patch,
                                              b: src, ldb: pixels, c: dst, ldc: pixels)
                                    if let bias {
                                        bias.withUnsafeBufferPointer { b in
                                            for c in 0..<o {
                                                let row = dst + c * pixels
                                                let value = b[c]
                                                for i in 0..<pixels { row[i] += value }
                                            }
                                        }
                                    }
                                } else {
                                    // Rows 0..<patch are the patches; row `patch` (if any) stays all ones.
                                    Im2col.unfold(g, image: src, columns: col.baseAddress!)
                                    BLAS.gemm(m: o, n: pixels, k: k, a: w.baseAddress!, lda: k,
                                              b: col.baseAddress!, ldb: pixels, c: dst, ldc: pixels)
                                }
                            }
                        }
                    }
                }
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

    /// Training forward; the pullback returns `dx` `[N, C, H, W]` and adds `weight` and `bias` gradients.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let layer = self
        return (output, { outputGradient, gradients in
            layer.backward(input: input, outputGradient: outputGradient, gradients: &gradients)
        })
    }

    /// The backward pass for `input` `[N, C, H, W]` and `outputGradient` `[N, O, outH, outW]`.
    ///
    /// For stride 1 with `padding <= k - 1` the input gradient is itself a convolution: the
    /// output gradient, padded by `k - 1 - padding`, correlated with the weights flipped in
    /// space and transposed to `[C, O, kH, kW]`. That is one unfold of O channels and one GEMM
    /// writing NCHW directly; it is used when O <= C, where it moves less memory than the GEMM
    /// into C * kH * kW columns plus the scatter-add of col2im, the general path.
    func backward(input: Tensor, outputGradient dy: Tensor, gradients: inout Gradients) -> Tensor {
        let g = geometry(input)
        let (n, o, pixels, patch) = (input.shape[0], outChannels, g.outPixels, g.patchSize)
        precondition(dy.shape == [n, o, g.outHeight, g.outWidth], "Conv2D: output gradient \(dy.shape) does not match")
        let (kh, kw) = (g.kernelHeight, g.kernelWidth)
        let wantWeight = gradients.wants("weight")
        let wantBias = bias != nil && gradients.wants("bias")
        let workers = Compute.chunkCount(for: n)  // one gradient accumulator per chunk
        // The input gradient as a convolution of dy (stride 1 only).
        let skipInput = !computesInputGradient || !gradients.needsInputGradient
        // The transposed path unfolds dy (O * kH * kW rows); col2im writes C * kH * kW rows and
        // adds them back: take whichever moves less memory.
        let transposedPath = stride == 1 && padding <= kh - 1 && padding <= kw - 1 && !skipInput
            && outChannels <= inChannels
        let dyGeometry = ConvGeometry(channels: o, height: g.outHeight, width: g.outWidth, kernelHeight: kh, kernelWidth: kw,
                                      padY: kh - 1 - min(padding, kh - 1), padX: kw - 1 - min(padding, kw - 1))
        let flipped = transposedPath ? Conv2D.flippedTransposed(weight) : weight
        // With both gradients wanted, a row of ones under the columns makes the weight GEMM also
        // produce the bias gradient (its last row): dWeight^T and dBias in one pass.
        let fusedBias = wantWeight && wantBias
        let rowsK = fusedBias ? patch + 1 : patch
        // Per-chunk accumulators: [chunks, rowsK * O] (transposed weight gradient) and [chunks, O].
        var weightGradients = [Float](repeating: 0, count: wantWeight ? workers * rowsK * o : 0)
        var biasGradients = [Float](repeating: 0, count: wantBias && !fusedBias ? workers * o : 0)
        let scratchSize = max(rowsK * pixels, transposedPath ? dyGeometry.patchSize * dyGeometry.outPixels : 0)
        var dx = transposedPath ? Tensor(uninitializedShape: input.shape) { _ in } : Tensor(zeros: input.shape)
        if skipInput && !wantWeight && !wantBias { return dx }
        input.withUnsafeBufferPointer { x in
            dy.withUnsafeBufferPointer { dyp in
                flipped.withUnsafeBufferPointer { w in
                    dx.withUnsafeMutableBufferPointer { dxp in
                        weightGradients.withUnsafeMutableBufferPointer { dwAll in
                            biasGradients.withUnsafeMutableBufferPointer { dbAll in
                                Compute.parallelChunks(n, chunks: workers) { worker, images in
                                    var columns = [Float](repeating: 0, count: scratchSize)
                                    let onesRow = [Float](repeating: 1, count: fusedBias ? pixels : 0)
                                    columns.withUnsafeMutableBufferPointer { col in
                                        for image in images {
                                            let src = x.baseAddress! + image * g.imageSize
                                            let grad = dyp.baseAddress! + image * o * pixels
                                            let target = dxp.baseAddress! + image * g.imageSize
                                            if wantWeight {
                                                // dWeight^T [patch, O] += columns [patch, pixels] x dy[n]^T:
                                                // OpenBLAS runs this shape faster than dy[n] x columns^T.
                                                Im2col.unfold(g, image: src, columns: col.baseAddress!)
                                                if fusedBias {
                                                    // the unfold (or the dy unfold below) overwrote the ones
                                                    onesRow.withUnsafeBufferPointer {
                                                        (col.baseAddress! + patch * pixels).update(from: $0.baseAddress!, count: pixels)
                                                    }
                                                }
                                                BLAS.gemm(transposeB: true, m: rowsK, n: o, k: pixels,
                                                          a: col.baseAddress!, lda: pixels, b: grad, ldb: pixels,
                                                          beta: 1, c: dwAll.baseAddress! + worker * rowsK * o, ldc: o)
                                            }
                                            if wantBias && !fusedBias {
                                                let db = dbAll.baseAddress! + worker * o
                                                for c in 0..<o {
                                                    var sum: Float = 0
                                                    let row = grad + c * pixels
                                                    for i in 0..<pixels { sum += row[i] }
                                                    db[c] += sum
                                                }
                                            }
                                            if skipInput {
                                                continue
                                            } else if transposedPath {
                                                // dx[n] [C, H*W] = flipped [C, O*kH*kW] x unfold(dy[n]) [O*kH*kW, H*W]
                                                Im2col.unfold(dyGeometry, image: grad, columns: col.baseAddress!)
                                                BLAS.gemm(m: g.channels, n: g.height * g.width, k: dyGeometry.patchSize,
                                                          a: w.baseAddress!, lda: dyGeometry.patchSize,
                                                          b: col.baseAddress!, ldb: dyGeometry.outPixels,
                                                          c: target, ldc: g.height * g.width)
                                            } else {
                                                // dcolumns [C*kH*kW, outH*outW] = weight^T x dy[n], then col2im
                                                BLAS.gemm(transposeA: true, m: patch, n: pixels, k: o,
                                                          a: w.baseAddress!, lda: patch, b: grad, ldb: pixels,
                                                          c: col.baseAddress!, ldc: pixels)
                                                Im2col.fold(g, columns: col.baseAddress!, image: target)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if wantWeight {
            let transposed = Conv2D.sumWorkers(weightGradients, workers)  // [rowsK, O]
            gradients.accumulate("weight", Tensor(uninitializedShape: weight.shape) { dw in
                for row in 0..<o {
                    for column in 0..<patch { dw[row * patch + column] = transposed[column * o + row] }
                }
            })
            if fusedBias {
                gradients.accumulate("bias", Tensor(shape: [o], scalars: Array(transposed[(patch * o)...])))
            }
        }
        if wantBias && !fusedBias {
            gradients.accumulate("bias", Tensor(shape: [o], scalars: Conv2D.sumWorkers(biasGradients, workers)))
        }
        return dx
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

    /// Visits `weight` then `bias`.
    public func visitParameters(_ body: (String, Tensor) -> Void) {
        body("weight", weight)
        if let bias { body("bias", bias) }
    }

    /// Visits `weight` then `bias` mutably.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        body("weight", &weight)
        if bias != nil { body("bias", &bias!) }
    }
}
