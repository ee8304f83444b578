// WarmupSchedule: a linear warm-up in front of another schedule (Goyal et al. 2017).
//
// For the first `warmupSteps` steps the rate climbs linearly from `startFactor` times the wrapped
// schedule's first rate up towards it; from step `warmupSteps` on, the wrapped schedule runs as
// if it had started there:
//
//     lr(k) = wrapped(0) · (startFactor + (1 − startFactor) · k / W)   for k < W
//     lr(k) = wrapped(k − W)                                           for k ≥ W
//
// This equals torch SequentialLR([LinearLR(start_factor, total_iters=W), wrapped], milestones=[W]).

/// A linear warm-up over `warmupSteps` steps, then `wrapped` shifted by `warmupSteps`.
public struct WarmupSchedule: LearningRateSchedule {
    /// The schedule that runs after the warm-up, from its own step 0.
    public let wrapped: any LearningRateSchedule
    /// The number of warm-up steps W (0 = no warm-up).
    public let warmupSteps: Int
    /// The fraction of `wrapped`'s first rate used at step 0.
    public let startFactor: Float

    /// Creates the schedule; `warmupSteps` must be non-negative and `startFactor` in `0...1`.
    public init(wrapping wrapped: any LearningRateSchedule, warmupSteps: Int, startFactor: Float = 0.1) {
        precondition(warmupSteps >= 0, "WarmupSchedule: warmupSteps \(warmupSteps) must be >= 0")
        precondition(startFactor >= 0 && startFactor <= 1, "WarmupSchedule: startFactor \(startFactor) must be in 0...1")
        self.wrapped = wrapped
        self.warmupSteps = warmupSteps
        self.startFactor = startFactor
    }

    /// The warm-up rate for `step < warmupSteps`, else the wrapped schedule's rate at `step − warmupSteps`.
    public func learningRate(atStep step: Int) -> Float {
        precondition(step >= 0, "WarmupSchedule: step \(step) must be >= 0")
        guard step < warmupSteps else { return wrapped.learningRate(atStep: step - warmupSteps) }
        let start = Double(startFactor)
        let factor = start + (1 - start) * Double(step) / Double(warmupSteps)
        return Float(Double(wrapped.learningRate(atStep: 0)) * factor)
    }
}
