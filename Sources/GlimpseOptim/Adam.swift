// Adam: adaptive moment estimation (Kingma & Ba 2015), and AdamW (Loshchilov & Hutter 2019).
//
// The rule is torch.optim.Adam (amsgrad off), or torch.optim.AdamW when `decoupled`:
//     Adam:  g ← g + weightDecay·p            AdamW:  p ← p·(1 − lr·weightDecay)
//     t ← t + 1
//     m ← β₁·m + (1 − β₁)·g
//     v ← β₂·v + (1 − β₂)·g²
//     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// The step count t is kept per parameter, as torch does: a parameter that was frozen for the
// first thousand steps starts its bias correction at t = 1 when it is unfrozen, exactly like a
// fresh parameter, instead of skipping the correction because a global counter is already large.
// State: `adam.m.<parameter>`, `adam.v.<parameter>`, and `adam.step.<parameter>` (1 element).

import Foundation
import GlimpseTensor

/// Adam with bias correction, as torch.optim.Adam; with `decoupled` weight decay it is AdamW.
public struct Adam: Optimizer {
    /// The decay β₁ of the first-moment (mean) estimate.
    public let beta1: Float
    /// The decay β₂ of the second-moment (uncentred variance) estimate.
    public let beta2: Float
    /// Added to the bias-corrected `√v` before dividing.
    public let epsilon: Float
    /// The weight decay coefficient (0 = none); how it applies depends on `decoupled`.
    public let weightDecay: Float
    /// `false`: L2 penalty added to the gradient (torch Adam). `true`: the parameter shrinks by
    /// `lr·weightDecay` before the Adam step, outside the moment estimates (torch AdamW).
    public let decoupled: Bool

    /// The moment estimates and step count of one parameter.
    struct Moments {
        /// First moment `m`, shaped like the parameter.
        var m: Tensor
        /// Second moment `v`, shaped like the parameter.
        var v: Tensor
        /// The number of updates this parameter has received.
        var step: Int
    }

    /// The state of each parameter, by parameter name.
    private var moments: [String: Moments] = [:]

    /// The checkpoint slots.
    static let mSlot = "m", vSlot = "v", stepSlot = OptimizerStateKey.stepSlot

    /// Creates the optimizer; the betas must be in `0..<1`, `epsilon` positive, `weightDecay` non-negative.
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false) {
        precondition(beta1 >= 0 && beta1 < 1, "Adam: beta1 \(beta1) must be in 0..<1")
        precondition(beta2 >= 0 && beta2 < 1, "Adam: beta2 \(beta2) must be in 0..<1")
        precondition(epsilon > 0, "Adam: epsilon \(epsilon) must be > 0")
        precondition(weightDecay >= 0, "Adam: weightDecay \(weightDecay) must be >= 0")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    /// `"adam"` (also for AdamW: the `decoupled` hyperparameter tells them apart; the state is the same).
    public var name: String { "adam" }

    /// The betas, epsilon, weight decay and whether it is decoupled.
    public var hyperparameters: [String: String] {
        ["beta1": "\(beta1)", "beta2": "\(beta2)", "epsilon": "\(epsilon)",
         "weightDecay": "\(weightDecay)", "decoupled": "\(decoupled)"]
    }

    /// The moments and step counts, keyed `adam.m.<parameter>`, `adam.v.<parameter>`, `adam.step.<parameter>`.
    public var state: [String: Tensor] {
        var result = [String: Tensor]()
        for (parameter, slot) in moments {
            result[OptimizerStateKey.key(optimizer: name, slot: Self.mSlot, parameter: parameter)] = slot.m
            result[OptimizerStateKey.key(optimizer: name, slot: Self.vSlot, parameter: parameter)] = slot.v
            result[OptimizerStateKey.key(optimizer: name, slot: Self.stepSlot, parameter: parameter)] =
                Tensor(shape: [1], scalars: [Float(slot.step)])
        }
        return result
    }

    /// Replaces the state; each parameter needs all three entries, `m` and `v` of one shape.
    public mutating func loadState(_ state: [String: Tensor]) throws {
        let slots = try OptimizerStateKey.group(state, optimizer: name, slots: [Self.mSlot, Self.vSlot, Self.stepSlot])
        let (ms, vs, steps) = (slots[Self.mSlot]!, slots[Self.vSlot]!, slots[Self.stepSlot]!)
        var loaded = [String: Moments]()
        for parameter in Set(ms.keys).union(vs.keys).union(steps.keys).sorted() {
            func key(_ slot: String) -> String {
                OptimizerStateKey.key(optimizer: name, slot: slot, parameter: parameter)
            }
            guard let m = ms[parameter] else { throw OptimizerStateError.missing(key: key(Self.mSlot)) }
            guard let v = vs[parameter] else { throw OptimizerStateError.missing(key: key(Self.vSlot)) }
            guard let step = steps[parameter] else { throw OptimizerStateError.missing(key: key(Self.stepSlot)) }
            guard v.shape == m.shape else {
                throw OptimizerStateError.shapeMismatch(key: key(Self.vSlot), expected: m.shape, found: v.shape)
            }
            loaded[parameter] = Moments(m: m, v: v, step: try OptimizerStateKey.stepCount(step, key: key(Self.stepSlot)))
        }
        moments = loaded
    }

    /// One Adam (or AdamW) step for one parameter; advances that parameter's step count.
    public mutating func update(_ name: String, parameter: inout Tensor, gradient: Tensor, learningRate: Float) {
        OptimizerStateKey.checkShapes(self.name, name, parameter: parameter, gradient: gradient)
        // Taken out of the dictionary and put back, so the buffers stay uniquely referenced
        // (updated in place, no copy) while both are open at once.
        var slot = moments.removeValue(forKey: name)
            ?? Moments(m: Tensor(zeros: parameter.shape), v: Tensor(zeros: parameter.shape), step: 0)
        defer { moments[name] = slot }
        slot.step += 1
        OptimizerStateKey.checkState(self.name, name, state: slot.m, parameter: parameter)

        // Scalars in Double, as torch computes them in Python floats.
        let t = Double(slot.step)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let correction2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let l2 = decoupled ? 0 : weightDecay
        let shrink = decoupled ? Float(1 - Double(learningRate) * Double(weightDecay)) : 1

        gradient.withUnsafeBufferPointer { g in
            parameter.withUnsafeMutableBufferPointer { p in
                slot.m.withUnsafeMutableBufferPointer { m in
                    slot.v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<p.count {
                            let pi = p[i] * shrink
                            let d = g[i] + l2 * pi
                            m[i] = b1 * m[i] + (1 - b1) * d
                            v[i] = b2 * v[i] + (1 - b2) * (d * d)
                            p[i] = pi + -stepSize * (m[i] / (v[i].squareRoot() / correction2 + eps))
                        }
                    }
                }
            }
        }
    }
}
