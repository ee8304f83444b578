// CosineSchedule: cosine annealing from a base rate to a minimum (Loshchilov & Hutter 2017, SGDR
// without restarts), torch CosineAnnealingLR's closed form:
//
//     lr(k) = minimum + (base − minimum) · (1 + cos(π·k / totalSteps)) / 2
//
// Unlike torch, whose closed form is periodic and climbs back up after T_max, the rate stays at
// `minimum` for every step past `totalSteps`.

import Foundation

/// Cosine annealing from `base` at step 0 to `minimum` at `totalSteps`, then constant.
public struct CosineSchedule: LearningRateSchedule {
    /// The rate at step 0.
    public let base: Float
    /// The rate at `totalSteps` and after.
    public let minimum: Float
    /// The number of optimizer steps the annealing spans (torch's `T_max`).
    public let totalSteps: Int

    /// Creates the schedule; `totalSteps` must be positive and `0 <= minimum <= base`.
    public init(base: Float, minimum: Float = 0, totalSteps: Int) {
        precondition(minimum >= 0 && minimum <= base, "CosineSchedule: need 0 <= minimum \(minimum) <= base \(base)")
        precondition(totalSteps > 0, "CosineSchedule: totalSteps \(totalSteps) must be > 0")
        self.base = base
        self.minimum = minimum
        self.totalSteps = totalSteps
    }

    /// `minimum + (base − minimum)·(1 + cos(π·step/totalSteps))/2`, or `minimum` past `totalSteps`.
    public func learningRate(atStep step: Int) -> Float {
        precondition(step >= 0, "CosineSchedule: step \(step) must be >= 0")
        guard step < totalSteps else { return minimum }
        let progress = Double(step) / Double(totalSteps)
        let low = Double(minimum)
        return Float(low + (Double(base) - low) * (1 + cos(Double.pi * progress)) / 2)
    }
}
