// Linear: the affine layer `y = x W^T + b` (the seed text's Affine).

import GlimpseTensor

/// A fully connected layer over `[N, in]` inputs with weight `[out, in]` (PyTorch layout) and bias `[out]`.
public struct Linear: WeightAndBiasLayer {
    /// Weights, `[outFeatures, inFeatures]`.
    public var weight: Tensor
    /// Bias, `[outFeatures]`.
    public var bias: Tensor?

    /// Creates the layer from existing weights `[out, in]` and bias `[out]`.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        if let bias { precondition(bias.shape == [weight.shape[0]], "Linear: bias must be [\(weight.shape[0])], got \(bias.shape)") }
        self.weight = weight
        self.bias = bias
    }

    /// Creates the layer with initialised weights and zero bias.
    public init(inFeatures: Int, outFeatures: Int, useBias: Bool = true, initializer: Initializer = .he,
                random: inout SeededGenerator) {
        self.init(weight: initializer.make(shape: [outFeatures, inFeatures], fanIn: inFeatures, fanOut: outFeatures,
                                           random: &random),
                  bias: useBias ? Tensor(zeros: [outFeatures]) : nil)
    }

    /// Inference: `[N, in]` -> `[N, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 2 && input.shape[1] == weight.shape[1],
                     "Linear: input must be [N, \(weight.shape[1])], got \(input.shape)")
        var output = Tensor.matmul(input, weight, transposeB: true)
        if let bias {
            let out = weight.shape[0]
            bias.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { y in
                    for row in 0..<input.shape[0] {
                        for j in 0..<out { y[row * out + j] += b[j] }
                    }
                }
            }
        }
        return output
    }

    /// Training forward; the pullback adds `weight` (`dy^T x`) and `bias` (column sums of `dy`) gradients.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        let weight = self.weight
        let hasBias = bias != nil
        return (output, { dy, gradients in
            precondition(dy.shape == output.shape, "Linear: output gradient \(dy.shape) does not match \(output.shape)")
            if gradients.wants("weight") {
                gradients.accumulate("weight", Tensor.matmul(dy, input, transposeA: true))
            }
            if hasBias && gradients.wants("bias") {
                gradients.accumulate("bias", dy.sum(alongAxis: 0))
            }
            return Tensor.matmul(dy, weight)
        })
    }
}

/// Flattens `[N, d1, d2, ...]` to `[N, d1 * d2 * ...]`.
public struct Flatten: Layer {
    /// Creates the layer.
    public init() {}

    /// Inference.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1, "Flatten: needs a batch axis")
        return input.reshaped([input.shape[0], input.count / max(input.shape[0], 1)])
    }

    /// Training forward; the pullback restores the input shape.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let shape = input.shape
        return (self(input), { dy, _ in dy.reshaped(shape) })
    }
}
