// RMSProp: step sizes from a decaying mean of squared gradients (Tieleman & Hinton 2012).
//
// The rule is torch.optim.RMSprop with momentum 0 and centered=False; note that ε is added
// after the square root, as torch does (TensorFlow adds it inside):
//     g ← g + weightDecay·p
//     v ← α·v + (1 − α)·g²
//     p ← p − lr·g / (√v + ε)
// State: one mean square per parameter, checkpointed as `rmsprop.meanSquare.<parameter>`.

import GlimpseTensor

/// RMSProp, as torch.optim.RMSprop (not centered, no momentum).
public struct RMSProp: Optimizer {
    /// The decay α of the running mean of squared gradients.
    public let alpha: Float
    /// Added to `√v` (after the root, as torch does) before dividing.
    public let epsilon: Float
    /// The L2 penalty coefficient added to the gradient as `weightDecay·p` (0 = none).
    public let weightDecay: Float
    /// The running mean of squared gradients of each parameter, by parameter name.
    private var meanSquares: [String: Tensor] = [:]

    /// The checkpoint slot of the mean squares.
    static let meanSquareSlot = "meanSquare"

    /// Creates the optimizer; `alpha` must be in `0..<1`, `epsilon` positive, `weightDecay` non-negative.
    public init(alpha: Float = 0.99, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        precondition(alpha >= 0 && alpha < 1, "RMSProp: alpha \(alpha) must be in 0..<1")
        precondition(epsilon > 0, "RMSProp: epsilon \(epsilon) must be > 0")
        precondition(weightDecay >= 0, "RMSProp: weightDecay \(weightDecay) must be >= 0")
        self.alpha = alpha
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// `"rmsprop"`.
    public var name: String { "rmsprop" }

    /// Alpha, epsilon and weight decay.
    public var hyperparameters: [String: String] {
        ["alpha": "\(alpha)", "epsilon": "\(epsilon)", "weightDecay": "\(weightDecay)"]
    }

    /// The mean squares, keyed `rmsprop.meanSquare.<parameter>`.
    public var state: [String: Tensor] {
        var result = [String: Tensor]()
        OptimizerStateKey.export(meanSquares, optimizer: name, slot: Self.meanSquareSlot, into: &result)
        return result
    }

    /// Replaces the mean squares with `rmsprop.meanSquare.<parameter>` entries.
    public mutating func loadState(_ state: [String: Tensor]) throws {
        meanSquares = try OptimizerStateKey.group(
            state, optimizer: name, slots: [Self.meanSquareSlot])[Self.meanSquareSlot]!
    }

    /// `v ← α·v + (1 − α)·g'²`, `p ← p − lr·g' / (√v + ε)` with `g' = g + weightDecay·p`, for one parameter.
    public mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
        OptimizerStateKey.checkShapes(self.name, name, parameter: parameter, gradient: gradient)
        let (a, eps, decay) = (alpha, epsilon, weightDecay)
        if meanSquares[name] == nil { meanSquares[name] = Tensor(zeros: parameter.shape) }
        OptimizerStateKey.checkState(self.name, name, state: meanSquares[name]!, parameter: parameter)
        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in
                meanSquares[name]!.withUnsafeMutableBufferPointer { v in
                    for i in 0..<p.count {
                        let d = g[i] + decay * p[i]
                        v[i] = a * v[i] + (1 - a) * (d * d)
                        p[i] += -learningRate * (d / (v[i].squareRoot() + eps))
                    }
                }
            }
        }
    }
}
