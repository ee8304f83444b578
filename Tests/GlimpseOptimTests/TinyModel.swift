// TinyModel: a test-only layer with three named parameters, so `Optimizer.step` can be tested
// without depending on any real layer.

import GlimpseNN
import GlimpseTensor

/// A layer that is the identity on its input and owns `fc.weight` [2, 3], `fc.bias` [3] and `head.weight` [3].
struct TinyModel: Layer {
    var fcWeight = Tensor(shape: [2, 3], scalars: [0.5, -1.0, 2.0, 0.0, 3.0, -0.25])
    var fcBias = Tensor(shape: [3], scalars: [0.1, 0.2, -0.3])
    var headWeight = Tensor(shape: [3], scalars: [1.5, -0.5, 0.75])

    func callAsFunction(_ input: Tensor) -> Tensor { input }

    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        (input, { outputGradient, _ in outputGradient })
    }

    func visitParameters(_ body: (String, Tensor) -> Void) {
        body("fc.weight", fcWeight)
        body("fc.bias", fcBias)
        body("head.weight", headWeight)
    }

    mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {
        body("fc.weight", &fcWeight)
        body("fc.bias", &fcBias)
        body("head.weight", &headWeight)
    }
}

/// Deterministic gradients for `TinyModel` at step `k`, skipping parameters under `frozenPrefixes`.
func tinyGradients(step k: Int, frozenPrefixes: [String] = []) -> Gradients {
    var gradients = Gradients(frozenPrefixes: frozenPrefixes)
    let s = Float(k + 1)
    gradients.accumulate("fc.weight", Tensor(shape: [2, 3]) { Float($0 - 2) * 0.1 * s + 0.05 })
    gradients.accumulate("fc.bias", Tensor(shape: [3]) { Float($0 % 2 == 0 ? 1 : -1) * 0.2 / s })
    gradients.accumulate("head.weight", Tensor(shape: [3]) { Float($0) * 0.3 - 0.1 * s })
    return gradients
}
