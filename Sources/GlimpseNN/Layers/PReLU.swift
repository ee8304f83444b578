// PReLU: the parametric rectified linear unit (He et al. 2015, "Delving Deep into Rectifiers"),
// `x` for positive `x` and `a_c * x` otherwise, with one learned slope per channel (axis 1), as
// PyTorch's `nn.PReLU(num_parameters: C)` and Keras's `PReLU(shared_axes=[1, 2])`. MTCNN's
// networks use it after every convolution and dense layer.

import GlimpseTensor

/// Parametric ReLU with a learned slope per channel: `y = x > 0 ? x : weight[c] * x`.
public struct PReLU: Layer {
    /// The negative-side slopes, `[C]` (PyTorch's `weight`, initialised to 0.25).
    public var weight: Tensor

    /// Creates the layer from slopes `[C]`.
    public init(weight: Tensor) {
        precondition(weight.rank == 1 && weight.shape[0] >= 1, "PReLU: weight must be [C], got \(weight.shape)")
        self.weight = weight
    }

    /// Creates the layer for `channels` channels, every slope `initial` (PyTorch's default 0.25).
    public init(channels: Int, initial: Float = 0.25) {
        self.init(weight: Tensor(repeating: initial, shape: [channels]))
    }

    /// Channels and the number of values per channel plane of an input `[N, C, ...]`.
    private func planes(_ input: Tensor) -> (batch: Int, channels: Int, plane: Int) {
        let channels = weight.shape[0]
        precondition(input.rank >= 2 && input.shape[1] == channels,
                     "PReLU: input must be [N, \(channels), ...], got \(input.shape)")
        return (input.shape[0], channels, input.shape.dropFirst(2).reduce(1, *))
    }

    /// Inference: `[N, C, ...]` -> the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (n, c, plane) = planes(input)
        return Tensor(uninitializedShape: input.shape) { out in
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { a in
                    for b in 0..<n {
                        for channel in 0..<c {
                            let slope = a[channel], base = (b * c + channel) * plane
                            for i in base..<(base + plane) {
                                let v = x[i]
                                out[i] = v > 0 ? v : slope * v
                            }
                        }
                    }
                }
            }
        }
    }

    /// Training forward; the pullback passes `dy` where `x > 0` and `a_c dy` elsewhere, and adds
    /// `weight` gradients `sum of dy * x over x <= 0` per channel.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (n, c, plane) = planes(input)
        let weight = self.weight
        return (self(input), { dy, gradients in
            precondition(dy.shape == input.shape, "PReLU: output gradient \(dy.shape) does not match \(input.shape)")
            var slopeGradient = [Float](repeating: 0, count: c)
            let dx = Tensor(uninitializedShape: input.shape) { dxp in
                input.withUnsafeBufferPointer { x in
                    dy.withUnsafeBufferPointer { g in
                        weight.withUnsafeBufferPointer { a in
                            for b in 0..<n {
                                for channel in 0..<c {
                                    let slope = a[channel], base = (b * c + channel) * plane
                                    var sum: Float = 0
                                    for i in base..<(base + plane) {
                                        if x[i] > 0 {
                                            dxp[i] = g[i]
                                        } else {
                                            dxp[i] = slope * g[i]
                                            sum += g[i] * x[i]
                                        }
                                    }
                                    slopeGradient[channel] += sum
                                }
                            }
                        }
                    }
                }
            }
            if gradients.wants("weight") { gradients.accumulate("weight", Tensor(shape: [c], scalars: slopeGradient)) }
            return dx
        })
    }

    /// Visits `weight`.
    public func visitParameters(_ body: (String, Tensor) -> Void) { body("weight", weight) }

    /// Visits `weight` mutably.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) { body("weight", &weight) }
}
