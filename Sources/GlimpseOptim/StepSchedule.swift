// StepSchedule: the learning rate multiplied by gamma every `stepSize` steps (torch StepLR), or
// at each of a list of milestone steps (torch MultiStepLR).
//
//     lr(k) = base · γ^⌊k / stepSize⌋            periodic
//     lr(k) = base · γ^|{m ∈ milestones : k ≥ m}|   milestones

import Foundation

/// Step decay: `base · gamma^d`, where `d` counts the decays so far: `step / stepSize` (torch
/// StepLR) or the milestones already reached (torch MultiStepLR).
public struct StepSchedule: LearningRateSchedule {
    /// The rate before the first decay.
    public let base: Float
    /// How many optimizer steps each rate lasts (nil when the decays are at `milestones`).
    public let stepSize: Int?
    /// The steps at which the rate decays, ascending (empty when it decays every `stepSize` steps).
    public let milestones: [Int]
    /// The factor applied at each decay.
    public let gamma: Float

    /// Decays every `stepSize` steps; `stepSize` must be positive, `base` and `gamma` non-negative.
    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(base >= 0, "StepSchedule: base \(base) must be >= 0")
        precondition(stepSize > 0, "StepSchedule: stepSize \(stepSize) must be > 0")
        precondition(gamma >= 0, "StepSchedule: gamma \(gamma) must be >= 0")
        self.base = base
        self.stepSize = stepSize
        self.milestones = []
        self.gamma = gamma
    }

    /// Decays at each of `milestones` (ascending, non-negative step indices).
    public init(base: Float, milestones: [Int], gamma: Float = 0.1) {
        precondition(base >= 0, "StepSchedule: base \(base) must be >= 0")
        precondition(gamma >= 0, "StepSchedule: gamma \(gamma) must be >= 0")
        precondition(milestones.allSatisfy { $0 >= 0 } && milestones == milestones.sorted(),
                     "StepSchedule: milestones \(milestones) must be ascending and >= 0")
        self.base = base
        self.stepSize = nil
        self.milestones = milestones
        self.gamma = gamma
    }

    /// `base · gamma^d` with `d` the number of decays before `step`.
    public func learningRate(atStep step: Int) -> Float {
        precondition(step >= 0, "StepSchedule: step \(step) must be >= 0")
        let decays = stepSize.map { step / $0 } ?? milestones.filter { step >= $0 }.count
        return Float(Double(base) * pow(Double(gamma), Double(decays)))
    }
}
