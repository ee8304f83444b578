// TrainingEvent: what a `Trainer` reports while it runs, through one callback, so that the
// command line can draw a progress bar and a test can count steps, without the loop knowing
// about terminals.

/// Progress within an epoch, after each optimizer step.
public struct TrainingProgress: Sendable {
    /// The epoch in progress, from 1.
    public var epoch: Int
    /// The run's number of epochs.
    public var epochs: Int
    /// Examples trained on so far in this epoch.
    public var done: Int
    /// Examples in the epoch.
    public var total: Int
    /// Examples per second so far in this epoch.
    public var examplesPerSecond: Double
    /// Mean loss per example so far in this epoch.
    public var loss: Double
    /// The task's metrics per example so far in this epoch.
    public var metrics: [String: Double]
}

/// Something a training run reports.
public enum TrainingEvent: Sendable {
    /// The run continues from `path` after `epoch` completed epochs.
    case resumed(path: String, epoch: Int)
    /// An optimizer step finished.
    case step(TrainingProgress)
    /// An epoch finished, was validated and (in `run`) checkpointed.
    case epochEnded(EpochSummary)
}
