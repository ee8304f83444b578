// StageWeights: the bytes of a stage's weights file, memory-mapped, or a StageError naming it.

import Foundation

/// Reading a stage's weights file: one place for the "cannot read" error every conformance that
/// loads weights (detectors, proposers, segmenters) gives.
public enum StageWeights {
    /// The bytes of `path`, memory-mapped; throws `StageError` naming `path` and the cause
    /// ("cannot read the detector weights: ..."), `role` being what the file holds ("detector",
    /// "segmenter", "region proposal network").
    public static func mappedData(of path: String, role: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw StageError(file: path, problem: "cannot read the \(role) weights: \((error as NSError).localizedDescription)")
        }
    }
}
