// AdaGrad: per-element step sizes from the running sum of squared gradients (Duchi et al. 2011).
//
// The rule is torch.optim.Adagrad with lr_decay 0 and initial_accumulator_value 0:
//     g ← g + weightDecay·p
//     s ← s + g²
//     p ← p − lr·g / (√s + ε)
// State: one sum per parameter, checkpointed as `adagrad.sum.<parameter>`.

import GlimpseTensor

/// AdaGrad, as torch.optim.Adagrad (no learning-rate decay: use a `LearningRateSchedule`).
public struct AdaGrad: Optimizer {
    /// Added to `√s` before dividing, so elements that never had a gradient do not divide by 0.
    public let epsilon: Float
    /// The L2 penalty coefficient added to the gradient as `weightDecay·p` (0 = none).
    public let weightDecay: Float
    /// The running sum of squared gradients of each parameter, by parameter name.
    private var sums: [String: Tensor] = [:]

    /// The checkpoint slot of the sums.
    static let sumSlot = "sum"

    /// Creates the optimizer; `epsilon` must be positive and `weightDecay` non-negative.
    public init(epsilon: Float = 1e-10, weightDecay: Float = 0) {
        precondition(epsilon > 0, "AdaGrad: epsilon \(epsilon) must be > 0")
        precondition(weightDecay >= 0, "AdaGrad: weightDecay \(weightDecay) must be >= 0")
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// `"adagrad"`.
    public var name: String { "adagrad" }

    /// Epsilon and weight decay.
    public var hyperparameters: [String: String] {
        ["epsilon": "\(epsilon)", "weightDecay": "\(weightDecay)"]
    }

    /// The sums, keyed `adagrad.sum.<parameter>`.
    public var state: [String: Tensor] {
        var result = [String: Tensor]()
        OptimizerStateKey.export(sums, optimizer: name, slot: Self.sumSlot, into: &result)
        return result
    }

    /// Replaces the sums with `adagrad.sum.<parameter>` entries.
    public mutating func loadState(_ state: [String: Tensor]) throws {
        sums = try OptimizerStateKey.group(state, optimizer: name, slots: [Self.sumSlot])[Self.sumSlot]!
    }

    /// `s ← s + g'²`, `p ← p − lr·g' / (√s + ε)` with `g' = g + weightDecay·p`, for one parameter.
    public mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
        OptimizerStateKey.checkShapes(self.name, name, parameter: parameter, gradient: gradient)
        let (eps, decay) = (epsilon, weightDecay)
        if sums[name] == nil { sums[name] = Tensor(zeros: parameter.shape) }
        OptimizerStateKey.checkState(self.name, name, state: sums[name]!, parameter: parameter)
        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in
                sums[name]!.withUnsafeMutableBufferPointer { s in
                    for i in 0..<p.count {
                        let d = g[i] + decay * p[i]
                        s[i] += d * d
                        p[i] += -learningRate * (d / (s[i].squareRoot() + eps))
                    }
                }
            }
        }
    }
}
