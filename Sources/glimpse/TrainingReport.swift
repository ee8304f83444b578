// TrainingReport: what the box and label-map trainers (`train detector`, `train proposer`,
// `train segmenter`) print while a library run trains and what they record about the command:
// one event handler drawing the progress bar and the per-epoch lines, and the command's metadata.

import Foundation
import GlimpseTraining

extension ProgressReporter {
    /// The handler of a run's events: a resume note naming `checkpoint`, the progress bar with
    /// `stepFields` of each step's running means, and `epochLine` after every epoch of `epochs`.
    func trainingEvents(checkpoint: String, epochs: Int, stepFields: @escaping (TrainingProgress) -> String,
                        epochLine: @escaping (EpochSummary) -> String) -> (TrainingEvent) -> Void {
        { event in
            switch event {
            case .resumed(_, let epoch):
                self.log("resumed from \(checkpoint) after epoch \(epoch) of \(epochs)")
            case .step(let state):
                self.update(label: "epoch \(state.epoch)/\(state.epochs)", done: state.done, total: state.total,
                            rate: state.examplesPerSecond, fields: stepFields(state))
            case .epochEnded(let summary):
                self.log(epochLine(summary))
            }
        }
    }
}

/// The metadata a trainer command adds to its weights file: the command line, the data and the threads.
func commandMetadata(data: String, threads: Int) -> [String: String] {
    ["command": (["glimpse"] + CommandLine.arguments.dropFirst()).joined(separator: " "), "data": data, "threads": String(threads)]
}
