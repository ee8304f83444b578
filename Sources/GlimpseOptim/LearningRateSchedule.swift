// LearningRateSchedule: the learning rate as a pure function of the optimizer step.
//
// Steps are counted in optimizer steps (calls to `Optimizer.step`), starting at 0 for the first
// one, not in epochs. `learningRate(atStep: k)` is the rate the (k+1)-th update uses, which is
// the rate a torch optimizer holds after its scheduler's `step()` has been called k times.
// Because a schedule keeps no state, a run resumed from a checkpoint at step k continues with
// exactly the rates of the uninterrupted run.

/// The learning rate for each optimizer step; a pure function of the step.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate of optimizer step `step` (0 for the first update); `step >= 0`.
    func learningRate(atStep step: Int) -> Float
}
