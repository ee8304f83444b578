// AdaptiveMaxPool2D: max pooling to a fixed output grid whatever the input's size (PyTorch's
// `nn.AdaptiveMaxPool2d`): output cell (i, j) of an `[H, W]` plane covers rows
// floor(i*H/g) ..< ceil((i+1)*H/g) and the same for columns, so cells may overlap by one when
// g does not divide H. The captioner pools a CNN's map to a small grid with it. The pullback
// routes each gradient to the input that won (the first on ties).

import GlimpseTensor

/// Max pooling of `[N, C, H, W]` to `[N, C, g, g]` (H, W >= g).
public struct AdaptiveMaxPool2D: Layer {
    /// g, the output grid's side.
    public let outputSize: Int

    /// Creates the pool; `outputSize` >= 1.
    public init(outputSize: Int) {
        precondition(outputSize >= 1, "AdaptiveMaxPool2D: output size \(outputSize)")
        self.outputSize = outputSize
    }

    /// The input rows (or columns) of output cell `i` along an axis of `length`.
    public static func span(_ i: Int, of g: Int, length: Int) -> Range<Int> {
        (i * length / g)..<(((i + 1) * length + g - 1) / g)
    }

    /// The pooled map and the flat input index of every output's maximum.
    func pool(_ input: Tensor) -> (Tensor, [Int]) {
        precondition(input.rank == 4 && input.shape[2] >= outputSize && input.shape[3] >= outputSize,
                     "AdaptiveMaxPool2D: input must be [N, C, H >= \(outputSize), W >= \(outputSize)], got \(input.shape)")
        let (planes, h, w, g) = (input.shape[0] * input.shape[1], input.shape[2], input.shape[3], outputSize)
        var winners = [Int](repeating: 0, count: planes * g * g)
        let output = Tensor(uninitializedShape: [input.shape[0], input.shape[1], g, g]) { out in
            input.withUnsafeBufferPointer { x in
                for plane in 0..<planes {
                    for i in 0..<g {
                        let rows = Self.span(i, of: g, length: h)
                        for j in 0..<g {
                            let columns = Self.span(j, of: g, length: w)
                            var best = plane * h * w + rows.lowerBound * w + columns.lowerBound
                            for y in rows {
                                for xx in columns where x[plane * h * w + y * w + xx] > x[best] { best = plane * h * w + y * w + xx }
                            }
                            out[(plane * g + i) * g + j] = x[best]
                            winners[(plane * g + i) * g + j] = best
                        }
                    }
                }
            }
        }
        return (output, winners)
    }

    /// Inference: `[N, C, H, W]` -> `[N, C, g, g]`.
    public func callAsFunction(_ input: Tensor) -> Tensor { pool(input).0 }

    /// Training forward; the pullback adds each output gradient to its winner.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (output, winners) = pool(input)
        let shape = input.shape
        return (output, { dy, _ in
            precondition(dy.shape == output.shape, "AdaptiveMaxPool2D: output gradient \(dy.shape) does not match \(output.shape)")
            var dx = Tensor(zeros: shape)
            dx.withUnsafeMutableBufferPointer { d in
                dy.withUnsafeBufferPointer { g in for (k, winner) in winners.enumerated() { d[winner] += g[k] } }
            }
            return dx
        })
    }
}
