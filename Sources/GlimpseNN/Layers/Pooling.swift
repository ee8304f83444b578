// Pooling: max, average and global average pooling over `[N, C, H, W]`.

import GlimpseTensor

/// Max pooling with a square window; the pullback routes each gradient to the input that won.
public struct MaxPool2D: Layer {
    /// Window size.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int
    /// Padding on each side (padded cells never win).
    public let padding: Int
    /// Whether the output size rounds up (PyTorch's `ceil_mode`): a last, partial window is kept
    /// when it starts inside the input (or the left padding), as Caffe's pooling and MTCNN do.
    public let ceilMode: Bool

    /// Creates a max pool; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        precondition(kernelSize >= 1 && (stride ?? kernelSize) >= 1 && padding >= 0 && padding * 2 <= kernelSize,
                     "MaxPool2D: bad window")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
    }

    /// The output length along an input axis of `length`: `(L + 2p - k) / s + 1`, rounded down, or
    /// in ceil mode rounded up unless the last window would start past the input and left padding
    /// (PyTorch's `pooling_output_shape`).
    public func outputLength(_ length: Int) -> Int {
        let span = length + 2 * padding - kernelSize
        precondition(span >= 0, "MaxPool2D: input length \(length) is smaller than the window \(kernelSize)")
        guard ceilMode else { return span / stride + 1 }
        var out = (span + stride - 1) / stride + 1
        if (out - 1) * stride >= length + padding { out -= 1 }
        return out
    }

    func geometry(_ input: Tensor) -> ConvGeometry {
        precondition(input.rank == 4, "MaxPool2D: input must be [N, C, H, W], got \(input.shape)")
        return ConvGeometry(channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                            kernelHeight: kernelSize, kernelWidth: kernelSize,
                            strideY: stride, strideX: stride, padY: padding, padX: padding)
    }

    /// `[N, C, H, W]` -> `[N, C, outputLength(H), outputLength(W)]` (`(H + 2p - k) / s + 1`, rounded up
    /// in ceil mode); `winners` (if given) gets the flat input index of each output's maximum.
    func pool(_ input: Tensor, winners: UnsafeMutablePointer<Int32>?) -> Tensor {
        let g = geometry(input)
        let planes = input.shape[0] * input.shape[1]
        let (h, w, oh, ow) = (g.height, g.width, outputLength(g.height), outputLength(g.width))
        let (k, s, p) = (kernelSize, stride, padding)
        // the unrolled 2x2 path covers the windows wholly inside; a partial last row or column of
        // windows (ceil mode on an odd size) takes the general path
        let unrolled = k == 2 && s == 2 && p == 0
        let (wholeRows, wholeColumns) = unrolled ? (min(oh, h / 2), min(ow, w / 2)) : (0, 0)
        return Tensor(uninitializedShape: [input.shape[0], input.shape[1], oh, ow]) { out in
            input.withUnsafeBufferPointer { x in
                Compute.parallelChunks(planes) { _, range in
                    for plane in range {
                        let src = x.baseAddress! + plane * h * w
                        let dst = out.baseAddress! + plane * oh * ow
                        if unrolled {
                            // The common 2x2 / stride 2 window, without the general bounds logic.
                            for oy in 0..<wholeRows {
                                let top = src + 2 * oy * w, bottom = top + w
                                let rowBase = Int32(plane * h * w + 2 * oy * w)
                                for ox in 0..<wholeColumns {
                                    // Branch-free selection: on random data the winner is unpredictable,
                                    // and mispredicted branches cost more than the comparisons.
                                    let x0 = 2 * ox
                                    let a = top[x0], b = top[x0 + 1], c = bottom[x0], d = bottom[x0 + 1]
                                    let ab = b > a, cd = d > c
                                    let upper = ab ? b : a, lower = cd ? d : c
                                    let upperIndex = Int32(x0) &+ (ab ? 1 : 0)
                                    let lowerIndex = Int32(w + x0) &+ (cd ? 1 : 0)
                                    let bottomWins = lower > upper
                                    dst[oy * ow + ox] = bottomWins ? lower : upper
                                    winners?[plane * oh * ow + oy * ow + ox] = rowBase &+ (bottomWins ? lowerIndex : upperIndex)
                                }
                            }
                        }
                        for oy in 0..<oh {
                            let y0 = max(oy * s - p, 0), y1 = min(oy * s - p + k, h)
                            // the unrolled path did the first wholeColumns windows of its rows
                            for ox in (oy < wholeRows ? wholeColumns : 0)..<ow {
                                let x0 = max(ox * s - p, 0), x1 = min(ox * s - p + k, w)
                                var best = -Float.infinity
                                var bestIndex = y0 * w + x0
                                for iy in y0..<y1 {
                                    for ix in x0..<x1 where src[iy * w + ix] > best {
                                        best = src[iy * w + ix]
                                        bestIndex = iy * w + ix
                                    }
                                }
                                dst[oy * ow + ox] = best
                                winners?[plane * oh * ow + oy * ow + ox] = Int32(plane * h * w + bestIndex)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The maxima alone, for inference: no winner indices, and separable: each output row first
    /// takes the maximum down its window's rows for every input column (a loop along contiguous
    /// memory that vectorises), then across each window's columns. Every comparison keeps the
    /// running maximum unless a value is strictly greater, as `pool(_:winners:)` does, so NaNs
    /// never win and an all-NaN window gives -infinity; the values are the training forward's.
    /// Only the choice between +0 and -0, when both are a window's maximum, may differ (columns
    /// first instead of rows first).
    /// `[N, C, H, W]` -> `[N, C, outputLength(H), outputLength(W)]`.
    func poolValues(_ input: Tensor) -> Tensor {
        let g = geometry(input)
        let planes = input.shape[0] * input.shape[1]
        let (h, w, oh, ow) = (g.height, g.width, outputLength(g.height), outputLength(g.width))
        let (k, s, p) = (kernelSize, stride, padding)
        return Tensor(uninitializedShape: [input.shape[0], input.shape[1], oh, ow]) { out in
            input.withUnsafeBufferPointer { x in
                Compute.parallelChunks(planes) { _, range in
                    let columns = UnsafeMutablePointer<Float>.allocate(capacity: w)
                    defer { columns.deallocate() }
                    for plane in range {
                        let src = x.baseAddress! + plane * h * w
                        let dst = out.baseAddress! + plane * oh * ow
                        for oy in 0..<oh {
                            let y0 = max(oy * s - p, 0), y1 = min(oy * s - p + k, h)
                            columns.update(repeating: -Float.infinity, count: w)
                            for iy in y0..<y1 {
                                let row = src + iy * w
                                for ix in 0..<w { columns[ix] = row[ix] > columns[ix] ? row[ix] : columns[ix] }
                            }
                            let line = dst + oy * ow
                            line.update(repeating: -Float.infinity, count: ow)
                            // windows wholly inside the row: one window offset at a time across all
                            // of them, so the selection is a vector max over strided loads
                            let first = (p + s - 1) / s, last = min((w + p - k) / s, ow - 1)
                            if first <= last {
                                for j in 0..<k {
                                    // column ox * s - p + j of window ox, inside the row for first...last
                                    // (no overflow checks: the window arithmetic above bounds every index)
                                    let offset = j - p
                                    if s == 2 {
                                        for ox in first...last {
                                            let v = columns[2 &* ox &+ offset]
                                            line[ox] = v > line[ox] ? v : line[ox]
                                        }
                                    } else {
                                        for ox in first...last {
                                            let v = columns[s &* ox &+ offset]
                                            line[ox] = v > line[ox] ? v : line[ox]
                                        }
                                    }
                                }
                            }
                            for ox in 0..<ow where ox < first || ox > last {
                                let x0 = max(ox * s - p, 0), x1 = min(ox * s - p + k, w)
                                var best = -Float.infinity
                                for ix in x0..<x1 { best = columns[ix] > best ? columns[ix] : best }
                                line[ox] = best
                            }
                        }
                    }
                }
            }
        }
    }

    /// Inference: the 2x2 / stride 2 window through `pool(_:winners:)`'s unrolled path (already
    /// branch-free; it orders a NaN's comparisons its own way, and inference keeps training's
    /// output), every other window through `poolValues(_:)`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        kernelSize == 2 && stride == 2 && padding == 0 ? pool(input, winners: nil) : poolValues(input)
    }

    /// Training forward; the pullback scatters each output gradient to its window's maximum.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let g = geometry(input)
        var winners = [Int32](repeating: 0, count: input.shape[0] * input.shape[1] * outputLength(g.height) * outputLength(g.width))
        let output = winners.withUnsafeMutableBufferPointer { pool(input, winners: $0.baseAddress!) }
        let inputShape = input.shape
        return (output, { dy, _ in
            precondition(dy.shape == output.shape, "MaxPool2D: output gradient \(dy.shape) does not match \(output.shape)")
            var dx = Tensor(zeros: inputShape)
            dx.withUnsafeMutableBufferPointer { dxp in
                dy.withUnsafeBufferPointer { dyp in
                    winners.withUnsafeBufferPointer { win in
                        for i in 0..<dyp.count { dxp[Int(win[i])] += dyp[i] }
                    }
                }
            }
            return dx
        })
    }
}

/// Average pooling with a square window; padded cells count as zeros (PyTorch's `count_include_pad`).
public struct AvgPool2D: Layer {
    /// Window size.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int
    /// Padding on each side.
    public let padding: Int

    /// Creates an average pool; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        precondition(kernelSize >= 1 && (stride ?? kernelSize) >= 1 && padding >= 0 && padding * 2 <= kernelSize,
                     "AvgPool2D: bad window")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    func geometry(_ input: Tensor) -> ConvGeometry {
        precondition(input.rank == 4, "AvgPool2D: input must be [N, C, H, W], got \(input.shape)")
        return ConvGeometry(channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                            kernelHeight: kernelSize, kernelWidth: kernelSize,
                            strideY: stride, strideX: stride, padY: padding, padX: padding)
    }

    /// Inference: `[N, C, H, W]` -> `[N, C, outH, outW]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let g = geometry(input)
        let planes = input.shape[0] * input.shape[1]
        let (h, w, oh, ow, k, s, p) = (g.height, g.width, g.outHeight, g.outWidth, kernelSize, stride, padding)
        let scale = 1 / Float(k * k)
        return Tensor(uninitializedShape: [input.shape[0], input.shape[1], oh, ow]) { out in
            input.withUnsafeBufferPointer { x in
                for plane in 0..<planes {
                    let src = x.baseAddress! + plane * h * w
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var sum: Float = 0
                            for iy in max(oy * s - p, 0)..<min(oy * s - p + k, h) {
                                for ix in max(ox * s - p, 0)..<min(ox * s - p + k, w) { sum += src[iy * w + ix] }
                            }
                            out[plane * oh * ow + oy * ow + ox] = sum * scale
                        }
                    }
                }
            }
        }
    }

    /// Training forward; the pullback spreads each output gradient evenly over its window.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let g = geometry(input)
        let (h, w, oh, ow, k, s, p) = (g.height, g.width, g.outHeight, g.outWidth, kernelSize, stride, padding)
        let inputShape = input.shape
        return (output, { dy, _ in
            precondition(dy.shape == output.shape, "AvgPool2D: output gradient \(dy.shape) does not match")
            var dx = Tensor(zeros: inputShape)
            let scale = 1 / Float(k * k)
            dx.withUnsafeMutableBufferPointer { dxp in
                dy.withUnsafeBufferPointer { dyp in
                    for plane in 0..<(inputShape[0] * inputShape[1]) {
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let value = dyp[plane * oh * ow + oy * ow + ox] * scale
                                for iy in max(oy * s - p, 0)..<min(oy * s - p + k, h) {
                                    for ix in max(ox * s - p, 0)..<min(ox * s - p + k, w) {
                                        dxp[plane * h * w + iy * w + ix] += value
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return dx
        })
    }
}

/// Global average pooling: `[N, C, H, W]` -> `[N, C]` (the mean of each channel).
public struct GlobalAvgPool: Layer {
    /// Creates the layer.
    public init() {}

    /// Inference.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "GlobalAvgPool: input must be [N, C, H, W], got \(input.shape)")
        let (planes, size) = (input.shape[0] * input.shape[1], input.shape[2] * input.shape[3])
        return Tensor(uninitializedShape: [input.shape[0], input.shape[1]]) { out in
            input.withUnsafeBufferPointer { x in
                for plane in 0..<planes {
                    var sum: Float = 0
                    for i in 0..<size { sum += x[plane * size + i] }
                    out[plane] = sum / Float(size)
                }
            }
        }
    }

    /// Training forward; the pullback spreads each gradient evenly over its channel.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let inputShape = input.shape
        return (self(input), { dy, _ in
            let size = inputShape[2] * inputShape[3]
            precondition(dy.shape == [inputShape[0], inputShape[1]], "GlobalAvgPool: output gradient \(dy.shape) does not match")
            return Tensor(uninitializedShape: inputShape) { dx in
                dy.withUnsafeBufferPointer { dyp in
                    for plane in 0..<dyp.count {
                        let value = dyp[plane] / Float(size)
                        for i in 0..<size { dx[plane * size + i] = value }
                    }
                }
            }
        })
    }
}
