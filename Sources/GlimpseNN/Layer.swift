// Layer: the protocol every network building block conforms to.
//
// Layers are value types with no hidden state between calls. Inference is
// `callAsFunction(_:)`. Training calls `forward(_:context:)`, which returns the output
// together with its pullback: a closure that captures exactly what the backward pass
// needs, so the backward sits next to the forward and cannot run without it.
//
// Parameters are named by their path from the model root (`conv1.weight`); the same name
// is used for the gradient, the optimizer state and the safetensors key.

import GlimpseTensor

/// The backward pass of one forward call: takes the gradient of the loss with respect to the
/// output, adds parameter gradients into `gradients`, and returns the gradient with respect
/// to the input (same shape as the input).
public typealias Pullback = (_ outputGradient: Tensor, _ gradients: inout Gradients) -> Tensor

/// What a training forward pass draws on besides its input: the random generator for
/// dropout and similar layers. Passed explicitly; there is no global training flag.
public struct ForwardContext {
    /// The generator dropout masks (and any other training-time randomness) come from.
    public var random: SeededGenerator

    /// Creates a context drawing from `random`.
    public init(random: SeededGenerator) {
        self.random = random
    }
}

/// A building block of a network: inference, training forward with pullback, and named parameters.
public protocol Layer: Sendable {
    /// Inference: the output for `input` using running statistics and no dropout.
    func callAsFunction(_ input: Tensor) -> Tensor

    /// Training forward: the output and its pullback. `mutating` so that layers such as
    /// batch norm can update running statistics; randomness comes from `context`.
    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback)

    /// Visits every trainable parameter as `(name relative to this layer, tensor)`, in a fixed order.
    func visitParameters(_ body: (String, Tensor) -> Void)

    /// Visits every trainable parameter mutably, in the same order as `visitParameters`.
    mutating func updateParameters(_ body: (String, inout Tensor) -> Void)

    /// Visits non-trainable state that belongs in a weights file (batch norm running statistics).
    func visitBuffers(_ body: (String, Tensor) -> Void)

    /// Visits non-trainable state mutably, in the same order as `visitBuffers`.
    mutating func updateBuffers(_ body: (String, inout Tensor) -> Void)

    /// Visits every batch norm inside, mutably, as `(path relative to this layer, layer)`; the path
    /// is what its parameter names start with ("" for a batch norm itself, "block.bn" inside).
    mutating func updateBatchNorms(_ body: (String, inout BatchNorm) -> Void)
}

extension Layer {
    /// Parameterless layers visit nothing.
    public func visitParameters(_ body: (String, Tensor) -> Void) {}
    /// Parameterless layers visit nothing.
    public mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {}
    /// Layers without buffers visit nothing.
    public func visitBuffers(_ body: (String, Tensor) -> Void) {}
    /// Layers without buffers visit nothing.
    public mutating func updateBuffers(_ body: (String, inout Tensor) -> Void) {}
    /// Layers without batch norms inside visit nothing.
    public mutating func updateBatchNorms(_ body: (String, inout BatchNorm) -> Void) {}

    /// Sets `freezesStatistics` on every batch norm inside whose `weight` parameter name starts
    /// with one of `frozenPrefixes` (the others keep their setting): a frozen part of a network
    /// keeps its running statistics too (torchvision's FrozenBatchNorm2d in a frozen backbone).
    public mutating func freezeBatchNormStatistics(frozenPrefixes: [String]) {
        if frozenPrefixes.isEmpty { return }
        updateBatchNorms { path, norm in
            let weightName = path.isEmpty ? "weight" : path + ".weight"
            if frozenPrefixes.contains(where: { weightName.hasPrefix($0) }) { norm.freezesStatistics = true }
        }
    }

    /// All trainable parameters by name.
    public var parameters: [String: Tensor] {
        var result = [String: Tensor]()
        visitParameters { result[$0] = $1 }
        return result
    }

    /// All buffers by name.
    public var buffers: [String: Tensor] {
        var result = [String: Tensor]()
        visitBuffers { result[$0] = $1 }
        return result
    }

    /// Parameters and buffers by name: what a weights file holds for this layer.
    public var state: [String: Tensor] {
        var result = parameters
        visitBuffers { result[$0] = $1 }
        return result
    }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        var total = 0
        visitParameters { total += $1.count }
        return total
    }
}
