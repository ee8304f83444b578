// ConstantSchedule: the same learning rate at every step.

/// The same learning rate at every step.
public struct ConstantSchedule: LearningRateSchedule {
    /// The rate returned for every step.
    public let learningRate: Float

    /// Creates the schedule; `learningRate` must be non-negative.
    public init(learningRate: Float) {
        precondition(learningRate >= 0, "ConstantSchedule: learningRate \(learningRate) must be >= 0")
        self.learningRate = learningRate
    }

    /// `learningRate`, whatever the step.
    public func learningRate(atStep step: Int) -> Float {
        precondition(step >= 0, "ConstantSchedule: step \(step) must be >= 0")
        return learningRate
    }
}
