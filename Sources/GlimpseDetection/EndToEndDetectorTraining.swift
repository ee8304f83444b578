// EndToEndDetectorTraining: what `glimpse train detector` needs of a detector trained end to end
// by one `Trainer` (Fast R-CNN, Faster R-CNN), so one code path drives both: the trainer (its
// model, progress and validation), the tensors taken from pretrained files, and the run that
// trains, checkpoints, resumes and writes the weights file.

import Foundation
import GlimpseTraining

/// A detector training run driven by one `Trainer`.
public protocol EndToEndDetectorTraining {
    /// The training task.
    associatedtype Task: TrainingTask
    /// The trainer (model, optimizer, epochs).
    var trainer: Trainer<Task> { get }
    /// The parameter names taken from pretrained files.
    var pretrainedLoaded: [String] { get }
    /// Trains (resuming from `checkpoint` when asked) and writes the weights to `output` with
    /// `extraMetadata`; `report` receives the trainer's events.
    mutating func run(checkpoint: URL, resume: Bool, output: URL, extraMetadata: [String: String],
                      report: (TrainingEvent) -> Void) throws -> Trainer<Task>.Record
}

extension FastRCNNTraining: EndToEndDetectorTraining {}
extension FasterRCNNTraining: EndToEndDetectorTraining {}
