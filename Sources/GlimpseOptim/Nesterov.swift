// Nesterov: SGD with Nesterov momentum, in PyTorch's formulation.
//
// The rule is torch.optim.SGD(momentum=μ, dampening=0, nesterov=True) (Sutskever et al. 2013,
// rewritten so the gradient is taken at the current parameters):
//     g ← g + weightDecay·p
//     b ← μ·b + g          (b starts at 0)
//     p ← p − lr·(g + μ·b)
// State: one buffer per parameter, checkpointed as `nesterov.buffer.<parameter>`.

import GlimpseTensor

/// SGD with Nesterov momentum, as torch.optim.SGD with `nesterov=True`, dampening 0.
public struct Nesterov: Optimizer {
    /// The momentum coefficient μ.
    public let momentum: Float
    /// The L2 penalty coefficient added to the gradient as `weightDecay·p` (0 = none).
    public let weightDecay: Float
    /// The momentum buffer of each parameter, by parameter name.
    private var buffers: [String: Tensor] = [:]

    /// The checkpoint slot of the momentum buffers.
    static let bufferSlot = "buffer"

    /// Creates the optimizer; `momentum` must be in `0..<1` and `weightDecay` non-negative.
    public init(momentum: Float = 0.9, weightDecay: Float = 0) {
        precondition(momentum >= 0 && momentum < 1, "Nesterov: momentum \(momentum) must be in 0..<1")
        precondition(weightDecay >= 0, "Nesterov: weightDecay \(weightDecay) must be >= 0")
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// `"nesterov"`.
    public var name: String { "nesterov" }

    /// The momentum and weight decay.
    public var hyperparameters: [String: String] {
        ["momentum": "\(momentum)", "weightDecay": "\(weightDecay)"]
    }

    /// The buffers, keyed `nesterov.buffer.<parameter>`.
    public var state: [String: Tensor] {
        var result = [String: Tensor]()
        OptimizerStateKey.export(buffers, optimizer: name, slot: Self.bufferSlot, into: &result)
        return result
    }

    /// Replaces the buffers with `nesterov.buffer.<parameter>` entries.
    public mutating func loadState(_ state: [String: Tensor]) throws {
        buffers = try OptimizerStateKey.group(state, optimizer: name, slots: [Self.bufferSlot])[Self.bufferSlot]!
    }

    /// `b ← μ·b + g'`, `p ← p − lr·(g' + μ·b)` with `g' = g + weightDecay·p`, for one parameter.
    public mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
        OptimizerStateKey.checkShapes(self.name, name, parameter: parameter, gradient: gradient)
        let (mu, decay) = (momentum, weightDecay)
        if buffers[name] == nil { buffers[name] = Tensor(zeros: parameter.shape) }
        OptimizerStateKey.checkState(self.name, name, state: buffers[name]!, parameter: parameter)
        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in
                buffers[name]!.withUnsafeMutableBufferPointer { b in
                    for i in 0..<p.count {
                        let d = g[i] + decay * p[i]
                        b[i] = mu * b[i] + d
                        p[i] += -learningRate * (d + mu * b[i])
                    }
                }
            }
        }
    }
}
