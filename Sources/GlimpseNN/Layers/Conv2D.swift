// Conv2D: 2-D convolution (cross-correlation, as in every deep-learning library) as im2col + GEMM.
//
// Forward, per image n (darknet's convolutional_layer.c):
//   columns = im2col(x[n])                        [C*kH*kW, outH*outW]
//   y[n]    = weight * columns + bias             [O, outH*outW], written straight into NCHW
// Backward, per image, recomputing the columns (they stay in L2 cache; storing them for a
// whole batch would cost more memory traffic than recomputing them):
//   dWeight += dy[n] * columns^T                  [O, C*kH*kW]
//   dColumns = weight^T * dy[n]                   [C*kH*kW, outH*outW]
//   dx[n]    = col2im(dColumns)
// Images are split across `Compute.threads` workers, each with its own scratch and its own
// weight-gradient accumulator; the accumulators are summed in worker order.

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
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let g = geometry(input)
        let (n, o, pixels) = (input.shape[0], outChannels, g.outPixels)
        let isPointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && stride == 1 && padding == 0
        return Tensor(uninitializedShape: [n, o, g.outHeight, g.outWidth]) { out in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    Compute.parallelChunks(n) { _, images in
                        var columns = isPointwise ? [] : [Float](repeating: 0, count: g.patchSize * pixels)
                        columns.withUnsafeMutableBufferPointer { col in
                            for image in images {
                                let src = x.baseAddress! + image * g.imageSize
                                let dst = out.baseAddress! + image * o * pixels
                                if isPointwise {
                                    BLAS.gemm(m: o, n: pixels, k: g.patchSize, a: w.baseAddress!, lda: g.patchSize,
                                              b: src, ldb: pixels, c: dst, ldc: pixels)
                                } else {
                                    Im2col.unfold(g, image: src, columns: col.baseAddress!)
                                    BLAS.gemm(m: o, n: pixels, k: g.patchSize, a: w.baseAddress!, lda: g.patchSize,
                                              b: col.baseAddress!, ldb: pixels, c: dst, ldc: pixels)
                                }
                                if let bias {
                                    bias.withUnsafeBufferPointer { b in
                                        for c in 0..<o {
                                            let row = dst + c * pixels
                                            let value = b[c]
                                            for i in 0..<pixels { row[i] += value }
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

    /// Training forward; the pullback returns `dx` `[N, C, H, W]` and adds `weight` and `bias` gradients.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let layer = self
        return (output, { outputGradient, gradients in
            layer.backward(input: input, outputGradient: outputGradient, gradients: &gradients)
        })
    }

    /// The backward pass for `input` `[N, C, H, W]` and `outputGradient` `[N, O, outH, outW]`.
    func backward(input: Tensor, outputGradient dy: Tensor, gradients: inout Gradients) -> Tensor {
        let g = geometry(input)
        let (n, o, pixels, patch) = (input.shape[0], outChannels, g.outPixels, g.patchSize)
        precondition(dy.shape == [n, o, g.outHeight, g.outWidth], "Conv2D: output gradient \(dy.shape) does not match")
        let wantWeight = gradients.wants("weight")
        let wantBias = bias != nil && gradients.wants("bias")
        let workers = Compute.workerCount(for: n)
        // Per-worker accumulators: [workers, O * patch] and [workers, O].
        var weightGradients = [Float](repeating: 0, count: wantWeight ? workers * o * patch : 0)
        var biasGradients = [Float](repeating: 0, count: wantBias ? workers * o : 0)
        var dx = Tensor(zeros: input.shape)
        input.withUnsafeBufferPointer { x in
            dy.withUnsafeBufferPointer { dyp in
                weight.withUnsafeBufferPointer { w in
                    dx.withUnsafeMutableBufferPointer { dxp in
                        weightGradients.withUnsafeMutableBufferPointer { dwAll in
                            biasGradients.withUnsafeMutableBufferPointer { dbAll in
                                Compute.parallelChunks(n, workers: workers) { worker, images in
                                    var columns = [Float](repeating: 0, count: patch * pixels)
                                    var dColumns = [Float](repeating: 0, count: patch * pixels)
                                    columns.withUnsafeMutableBufferPointer { col in
                                        dColumns.withUnsafeMutableBufferPointer { dcol in
                                            for image in images {
                                                let src = x.baseAddress! + image * g.imageSize
                                                let grad = dyp.baseAddress! + image * o * pixels
                                                if wantWeight {
                                                    Im2col.unfold(g, image: src, columns: col.baseAddress!)
                                                    BLAS.gemm(transposeB: true, m: o, n: patch, k: pixels,
                                                              a: grad, lda: pixels, b: col.baseAddress!, ldb: pixels,
                                                              beta: 1, c: dwAll.baseAddress! + worker * o * patch, ldc: patch)
                                                }
                                                if wantBias {
                                                    let db = dbAll.baseAddress! + worker * o
                                                    for c in 0..<o {
                                                        var sum: Float = 0
                                                        let row = grad + c * pixels
                                                        for i in 0..<pixels { sum += row[i] }
                                                        db[c] += sum
                                                    }
                                                }
                                                BLAS.gemm(transposeA: true, m: patch, n: pixels, k: o,
                                                          a: w.baseAddress!, lda: patch, b: grad, ldb: pixels,
                                                          c: dcol.baseAddress!, ldc: pixels)
                                                Im2col.fold(g, columns: dcol.baseAddress!,
                                                            image: dxp.baseAddress! + image * g.imageSize)
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
            gradients.accumulate("weight", Tensor(shape: weight.shape, scalars: Conv2D.sumWorkers(weightGradients, workers)))
        }
        if wantBias {
            gradients.accumulate("bias", Tensor(shape: [o], scalars: Conv2D.sumWorkers(biasGradients, workers)))
        }
        return dx
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
