// Gradients+Clipping: clipping by global norm (Pascanu et al. 2013), PyTorch's
// `torch.nn.utils.clip_grad_norm_` with the default 2-norm: every gradient is scaled by
//   min(1, maxNorm / (globalNorm + 1e-6)),  globalNorm = sqrt(sum of squares over all gradients)
// so the direction of the whole update is kept. Recurrent networks need it: BPTT gradients can
// grow geometrically with the sequence length.

import GlimpseTensor

extension Gradients {
    /// The 2-norm of all gradients taken together (summed in Double).
    public var globalNorm: Float {
        var total: Double = 0
        for gradient in tensors.values {
            gradient.withUnsafeBufferPointer { g in
                for value in g { total += Double(value) * Double(value) }
            }
        }
        return Float(total.squareRoot())
    }

    /// Scales every gradient by `min(1, maxNorm / (globalNorm + 1e-6))`, as PyTorch's
    /// `clip_grad_norm_`, and returns the global norm before clipping (for logging).
    @discardableResult
    public mutating func clipByGlobalNorm(_ maxNorm: Float) -> Float {
        precondition(maxNorm > 0 && maxNorm.isFinite, "clipByGlobalNorm: maxNorm \(maxNorm) must be positive")
        let norm = globalNorm
        let factor = maxNorm / (norm + 1e-6)
        if factor < 1 { scaleAll(by: factor) }
        return norm
    }
}
