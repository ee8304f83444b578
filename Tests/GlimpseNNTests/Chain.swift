// Chain: a test-only container of two layers stored with their concrete types.

import GlimpseNN
import GlimpseTensor

/// `upper(lower(x))`, with children named `lower` and `upper`: a container that says nothing about
/// parameters or buffers, only which children it has.
///
/// With `forgetsInputGradient` its pullback breaks the input-gradient contract: it passes a caller's
/// "no input gradient needed" on to `upper`, whose input gradient feeds `lower`, so that `lower`
/// then gets zeros (its gradients are right whenever the input gradient is needed).
struct Chain<Lower: Layer, Upper: Layer>: Layer {
    var lower: Lower
    var upper: Upper
    var forgetsInputGradient = false

    func callAsFunction(_ input: Tensor) -> Tensor { upper(lower(input)) }

    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        let (a, lowerPullback) = lower.forward(input, context: &context)
        let (b, upperPullback) = upper.forward(a, context: &context)
        let forgets = forgetsInputGradient
        return (b, { dy, gradients in
            let callerNeedsInput = gradients.needsInputGradient
            if !forgets { gradients.needsInputGradient = true }
            let da = gradients.scoped("upper") { upperPullback(dy, &$0) }
            gradients.needsInputGradient = callerNeedsInput
            return gradients.scoped("lower") { lowerPullback(da, &$0) }
        })
    }

    func visitChildren(_ body: (String, any Layer) -> Void) {
        body("lower", lower)
        body("upper", upper)
    }

    mutating func updateChildren(_ body: (String, inout any Layer) -> Void) {
        Self.updateChild("lower", &lower, body)
        Self.updateChild("upper", &upper, body)
    }
}
