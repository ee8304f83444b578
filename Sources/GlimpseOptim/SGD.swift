// SGD: plain stochastic gradient descent, optionally with L2 weight decay.
//
// The rule is torch.optim.SGD with momentum 0:
//     g ← g + weightDecay·p
//     p ← p − lr·g
// It keeps no state.

import GlimpseTensor

/// Plain gradient descent `p ← p − lr·(g + weightDecay·p)`, as torch.optim.SGD without momentum.
public struct SGD: Optimizer {
    /// The L2 penalty coefficient added to the gradient as `weightDecay·p` (0 = none).
    public let weightDecay: Float

    /// Creates the optimizer; `weightDecay` must be non-negative.
    public init(weightDecay: Float = 0) {
        precondition(weightDecay >= 0, "SGD: weightDecay \(weightDecay) must be >= 0")
        self.weightDecay = weightDecay
    }

    /// `"sgd"`.
    public var name: String { "sgd" }

    /// The weight decay.
    public var hyperparameters: [String: String] { ["weightDecay": "\(weightDecay)"] }

    /// Always empty: SGD keeps no state.
    public var state: [String: Tensor] { [:] }

    /// Accepts only empty state; any entry is another optimizer's and throws `unexpectedKey`.
    public mutating func loadState(_ state: [String: Tensor]) throws {
        _ = try OptimizerStateKey.group(state, optimizer: name, slots: [])
    }

    /// `p ← p − lr·(g + weightDecay·p)` for one parameter.
    public mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
        OptimizerStateKey.checkShapes(self.name, name, parameter: parameter, gradient: gradient)
        let decay = weightDecay
        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count {
                    let d = g[i] + decay * p[i]
                    p[i] += -learningRate * d
                }
            }
        }
    }
}
