// Initializer: the weight initialisations of the seed text (ch06): He for ReLU networks
// (He et al. 2015), Xavier/Glorot for symmetric activations (Glorot & Bengio 2010).

import GlimpseTensor

/// How a layer's weights are drawn at construction.
public enum Initializer: Sendable, Equatable {
    /// Normal with standard deviation `sqrt(2 / fanIn)` (He / Kaiming normal).
    case he
    /// Uniform in `±sqrt(6 / (fanIn + fanOut))` (Xavier / Glorot uniform).
    case xavierUniform
    /// Normal with standard deviation `sqrt(2 / (fanIn + fanOut))` (Xavier / Glorot normal).
    case xavierNormal
    /// Normal with a fixed standard deviation.
    case normal(standardDeviation: Float)
    /// Every element equal to a constant (zero for biases).
    case constant(Float)
    /// Uniform in `±bound` (im2txt's ±0.08 for its embeddings and logits).
    case uniform(bound: Float)

    /// Draws a tensor of `shape` whose layer has `fanIn` inputs and `fanOut` outputs per unit.
    public func make(shape: [Int], fanIn: Int, fanOut: Int, random: inout SeededGenerator) -> Tensor {
        precondition(fanIn > 0 && fanOut > 0, "Initializer: fan-in and fan-out must be positive")
        switch self {
        case .he:
            let std = (2 / Float(fanIn)).squareRoot()
            return Tensor(shape: shape) { _ in random.nextNormal() * std }
        case .xavierUniform:
            let limit = (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor(shape: shape) { _ in (random.nextUniform() * 2 - 1) * limit }
        case .xavierNormal:
            let std = (2 / Float(fanIn + fanOut)).squareRoot()
            return Tensor(shape: shape) { _ in random.nextNormal() * std }
        case .normal(let std):
            return Tensor(shape: shape) { _ in random.nextNormal() * std }
        case .constant(let value):
            return Tensor(repeating: value, shape: shape)
        case .uniform(let bound):
            return Tensor(shape: shape) { _ in (random.nextUniform() * 2 - 1) * bound }
        }
    }
}
