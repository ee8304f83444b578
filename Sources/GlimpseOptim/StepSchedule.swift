// StepSchedule: the learning rate multiplied by gamma every `stepSize` steps (torch StepLR).
//
//     lr(k) = base · γ^⌊k / stepSize⌋

import Foundation

/// Step decay: `base · gamma^(step / stepSize)` with integer division, as torch.optim.lr_scheduler.StepLR.
public struct StepSchedule: LearningRateSchedule {
    /// The rate of the first `stepSize` steps.
    public let base: Float
    /// How many optimizer steps each rate lasts.
    public let stepSize: Int
    /// The factor applied at each decay.
    public let gamma: Float

    /// Creates the schedule; `stepSize` must be positive, `base` and `gamma` non-negative.
    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(base >= 0, "StepSchedule: base \(base) must be >= 0")
        precondition(stepSize > 0, "StepSchedule: stepSize \(stepSize) must be > 0")
        precondition(gamma >= 0, "StepSchedule: gamma \(gamma) must be >= 0")
        self.base = base
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// `base · gamma^⌊step / stepSize⌋`.
    public func learningRate(atStep step: Int) -> Float {
        precondition(step >= 0, "StepSchedule: step \(step) must be >= 0")
        return Float(Double(base) * pow(Double(gamma), Double(step / stepSize)))
    }
}
