// EpochSummary: what one epoch of a `Trainer` achieved, whatever the task.

/// What an epoch achieved.
public struct EpochSummary: Sendable {
    /// The epoch, from 1.
    public var epoch: Int
    /// Mean training loss per example.
    public var loss: Double
    /// The task's training metrics per example (`["accuracy": 0.97]`, with augmentation and dropout).
    public var metrics: [String: Double]
    /// The task's validation metrics after the epoch (empty without a validation set).
    public var validation: [String: Double]
    /// Seconds of training in this epoch (excluding validation).
    public var seconds: Double
    /// Training examples per second.
    public var examplesPerSecond: Double

    /// Creates a summary.
    public init(epoch: Int, loss: Double, metrics: [String: Double], validation: [String: Double], seconds: Double,
                examplesPerSecond: Double) {
        self.epoch = epoch
        self.loss = loss
        self.metrics = metrics
        self.validation = validation
        self.seconds = seconds
        self.examplesPerSecond = examplesPerSecond
    }
}
