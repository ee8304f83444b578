// Momentum: SGD with heavy-ball or Nesterov momentum.
//
// The rule is torch.optim.SGD(momentum=μ, dampening=0, nesterov=...):
//     g ← g + weightDecay·p
//     b ← μ·b + g          (b starts at 0, so the first step sets b = g as torch does)
//     p ← p − lr·b               heavy ball
//     p ← p − lr·(g + μ·b)       Nesterov (Sutskever et al. 2013, rewritten so the gradient is
//                                taken at the current parameters)
// State: one buffer per parameter, checkpointed as `momentum.buffer.<parameter>`
// (`nesterov.buffer.<parameter>` for the Nesterov variant).

import GlimpseTensor

/// SGD with momentum, as torch.optim.SGD with `momentum` and `nesterov`, dampening 0.
public struct Momentum: Optimizer {
    /// The momentum coefficient μ in `b ← μ·b + g`.
    public let momentum: Float
    /// Nesterov's variant: step along `g + μ·b` instead of `b`.
    public let nesterov: Bool
    /// The L2 penalty coefficient added to the gradient as `weightDecay·p` (0 = none).
    public let weightDecay: Float
    /// The momentum buffer of each parameter, by parameter name.
    private var buffers: [String: Tensor] = [:]

    /// The checkpoint slot of the momentum buffers.
    static let bufferSlot = "buffer"

    /// Creates the optimizer; `momentum` must be in `0..<1` and `weightDecay` non-negative.
    public init(momentum: Float = 0.9, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(momentum >= 0 && momentum < 1, "Momentum: momentum \(momentum) must be in 0..<1")
        precondition(weightDecay >= 0, "Momentum: weightDecay \(weightDecay) must be >= 0")
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// `"momentum"`, or `"nesterov"` for the Nesterov variant (the first part of its state keys).
    public var name: String { nesterov ? "nesterov" : "momentum" }

    /// The momentum and weight decay.
    public var hyperparameters: [String: String] {
        ["momentum": "\(momentum)", "weightDecay": "\(weightDecay)"]
    }

    /// The buffers, keyed `momentum.buffer.<parameter>`.
    public var state: [String: Tensor] {
        var result = [String: Tensor]()
        OptimizerStateKey.export(buffers, optimizer: name, slot: Self.bufferSlot, into: &result)
        return result
    }

    /// Replaces the buffers with `momentum.buffer.<parameter>` entries.
    public mutating func loadState(_ state: [String: Tensor]) throws {
        buffers = try OptimizerStateKey.group(state, optimizer: name, slots: [Self.bufferSlot])[Self.bufferSlot]!
    }

    /// `b ← μ·b + g'` with `g' = g + weightDecay·p`, then `p ← p − lr·b` (or `p − lr·(g' + μ·b)`), for one parameter.
    public mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
        OptimizerStateKey.checkShapes(self.name, name, parameter: parameter, gradient: gradient)
        let (mu, decay, lookahead) = (momentum, weightDecay, nesterov)
        if buffers[name] == nil { buffers[name] = Tensor(zeros: parameter.shape) }
        OptimizerStateKey.checkState(self.name, name, state: buffers[name]!, parameter: parameter)
        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in
                buffers[name]!.withUnsafeMutableBufferPointer { b in
                    for i in 0..<p.count {
                        let d = g[i] + decay * p[i]
                        b[i] = mu * b[i] + d
                        p[i] += -learningRate * (lookahead ? d + mu * b[i] : b[i])
                    }
                }
            }
        }
    }
}
