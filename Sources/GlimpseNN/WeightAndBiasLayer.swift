// WeightAndBiasLayer: a leaf whose parameters are a `weight` and an optional `bias` (Linear,
// Conv2D, and the transposed convolution to come), named `weight` and `bias` in that order in
// the model, the gradients, the optimizer state and weights files.

import GlimpseTensor

/// A leaf layer with a weight and an optional bias as its only parameters.
public protocol WeightAndBiasLayer: Layer {
    /// The weight (its shape is the layer's to state).
    var weight: Tensor { get set }
    /// The bias, or nil for a layer without one.
    var bias: Tensor? { get set }
}

extension WeightAndBiasLayer {
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
