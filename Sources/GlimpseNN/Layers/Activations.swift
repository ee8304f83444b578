// Activations: element-wise non-linearities, each with its pullback.

import Foundation
import GlimpseTensor

/// Rectified linear unit, `max(x, 0)`; the gradient at exactly 0 is taken as 0.
public struct ReLU: Layer {
    /// Creates the layer.
    public init() {}

    /// Inference, any shape.
    public func callAsFunction(_ input: Tensor) -> Tensor { input.map { $0 > 0 ? $0 : 0 } }

    /// Training forward; the pullback passes gradients where the output is positive.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        return (output, { dy, _ in dy.zipMap(output) { g, y in y > 0 ? g : 0 } })
    }
}

/// Leaky ReLU, `x` for positive `x` and `slope * x` otherwise.
public struct LeakyReLU: Layer {
    /// The slope for negative inputs.
    public let slope: Float

    /// Creates the layer (PyTorch's default slope is 0.01).
    public init(slope: Float = 0.01) { self.slope = slope }

    /// Inference, any shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let slope = self.slope
        return input.map { $0 > 0 ? $0 : slope * $0 }
    }

    /// Training forward.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let slope = self.slope
        return (self(input), { dy, _ in dy.zipMap(input) { g, x in x > 0 ? g : slope * g } })
    }
}

/// Logistic sigmoid, `1 / (1 + exp(-x))`.
public struct Sigmoid: Layer {
    /// Creates the layer.
    public init() {}

    /// Inference, any shape.
    public func callAsFunction(_ input: Tensor) -> Tensor { input.map { 1 / (1 + Foundation.exp(-$0)) } }

    /// Training forward; the pullback uses `y (1 - y)`.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        return (output, { dy, _ in dy.zipMap(output) { g, y in g * y * (1 - y) } })
    }
}

/// Hyperbolic tangent.
public struct Tanh: Layer {
    /// Creates the layer.
    public init() {}

    /// Inference, any shape.
    public func callAsFunction(_ input: Tensor) -> Tensor { input.map { Foundation.tanh($0) } }

    /// Training forward; the pullback uses `1 - y^2`.
    public mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let output = self(input)
        return (output, { dy, _ in dy.zipMap(output) { g, y in g * (1 - y * y) } })
    }
}
