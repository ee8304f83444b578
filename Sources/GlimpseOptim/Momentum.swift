// Momentum: SGD with heavy-ball momentum.
//
// The rule is torch.optim.SGD(momentum=μ, dampening=0, nesterov=False):
//     g ← g + weightDecay·p
//     b ← μ·b + g          (b starts at 0, so the first step sets b = g as torch does)
//     p ← p − lr·b
// State: one buffer per parameter, checkpointed as `momentum.buffer.<parameter>`.

import GlimpseTensor

/// SGD with momentum (heavy ball), as torch.optim.SGD with `momentum`, dampening 0.
public struct Momentum: Optimizer {
    /// The momentum coefficient μ in `b ← μ·b + g`.
    public let momentum: Float
    /// The L2 penalty coefficient added to the gradient as `weightDecay·p` (0 = none).
    public let weightDecay: Float
    /// The momentum buffer of each parameter, by parameter name.
    private var buffers: [String: Tensor] = [:]

    /// The checkpoint slot of the momentum buffers.
    static let bufferSlot = "buffer"

    /// Creates the optimizer; `momentum` must be in `0..<1` and `weightDecay` non-negative.
    public init(momentum: Float = 0.9, weightDecay: Float = 0) {
        precondition(momentum >= 0 && momentum < 1, "Momentum: momentum \(momentum) must be in 0..<1")
        precondition(weightDecay >= 0, "Momentum: weightDecay \(weightDecay) must be >= 0")
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// `"momentum"`.
    public var name: String { "momentum" }

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

    /// `b ← μ·b + (g + weightDecay·p)`, `p ← p − lr·b` for one parameter.
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
                        p[i] += -learningRate * b[i]
                    }
                }
            }
        }
    }
}
