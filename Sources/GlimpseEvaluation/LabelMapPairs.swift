// LabelMapPairs: the ground-truth and predicted label maps of two folders, matched by relative
// path (recursively), with the mismatches that make an evaluation meaningless refused by name.
//
// A label map is a file whose name ends in ".png" (any case); other files are skipped and counted
// so the caller can say so. Refused: an empty ground-truth folder, two folders without a single
// relative path in common (a prediction folder for another split or another dataset), ground-truth
// maps without a prediction (how many, and the first few). Predictions without ground truth are
// kept as a count (`unmatchedPredictions`): they cannot change a number, and a prediction run over
// a superset of the images is common.

import Foundation

/// Ground-truth / prediction label-map files matched by their path relative to two folders.
public struct LabelMapPairs: Sendable, Equatable {
    /// The ground-truth folder as given.
    public var groundTruthFolder: String
    /// The prediction folder as given.
    public var predictionFolder: String
    /// Relative paths present in both folders, sorted.
    public var relativePaths: [String]
    /// Prediction maps with no ground truth, sorted (not evaluated).
    public var unmatchedPredictions: [String]
    /// Files that are not ".png" in the ground-truth folder (skipped).
    public var skippedGroundTruthFiles: Int
    /// Files that are not ".png" in the prediction folder (skipped).
    public var skippedPredictionFiles: Int

    /// Matches the ".png" files under `groundTruth` with those under `prediction`; throws
    /// `EvaluationError` naming the folder for an unreadable or empty folder, no path in common,
    /// or ground-truth maps without prediction.
    public init(groundTruth: String, prediction: String) throws(EvaluationError) {
        groundTruthFolder = groundTruth
        predictionFolder = prediction
        let (truths, skippedTruths) = try Self.labelMapFiles(under: groundTruth)
        let (predictions, skippedPredictions) = try Self.labelMapFiles(under: prediction)
        skippedGroundTruthFiles = skippedTruths
        skippedPredictionFiles = skippedPredictions
        guard !truths.isEmpty else {
            throw EvaluationError(.invalidEntry, file: groundTruth, "no .png label maps in the ground-truth folder")
        }
        let predicted = Set(predictions)
        relativePaths = truths.filter { predicted.contains($0) }
        guard !relativePaths.isEmpty else {
            throw EvaluationError(
                .mismatch, file: prediction,
                "no relative path in common with the ground truth (\(groundTruth): \(truths.count) maps, e.g. \(truths[0]); "
                    + "here: \(predictions.count) maps\(predictions.first.map { ", e.g. \($0)" } ?? "")): a prediction folder for another split?")
        }
        let missing = truths.filter { !predicted.contains($0) }
        if !missing.isEmpty {
            let shown = missing.prefix(3).joined(separator: ", ") + (missing.count > 3 ? ", ..." : "")
            throw EvaluationError(.mismatch, file: prediction, entry: missing[0],
                                  "\(missing.count) of \(truths.count) ground-truth label maps have no prediction (\(shown))")
        }
        let truthSet = Set(truths)
        unmatchedPredictions = predictions.filter { !truthSet.contains($0) }
    }

    /// The full paths of pair `index`: (ground truth, prediction).
    public func paths(_ index: Int) -> (groundTruth: String, prediction: String) {
        (groundTruthFolder + "/" + relativePaths[index], predictionFolder + "/" + relativePaths[index])
    }

    /// Relative paths of the ".png" files under `folder` (recursively, sorted; hidden files and
    /// folders skipped) and the number of other files.
    static func labelMapFiles(under folder: String) throws(EvaluationError) -> ([String], Int) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw EvaluationError(.unreadable, file: folder, "no such folder")
        }
        guard isDirectory.boolValue else { throw EvaluationError(.unreadable, file: folder, "not a folder") }
        let root = URL(fileURLWithPath: folder, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath()
        guard let walker = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
            throw EvaluationError(.unreadable, file: folder, "cannot list the folder")
        }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var maps = [String](), skipped = 0
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.resolvingSymlinksInPath().path
            guard path.hasPrefix(prefix) else { continue }
            let relative = String(path.dropFirst(prefix.count))
            if relative.lowercased().hasSuffix(".png") { maps.append(relative) } else { skipped += 1 }
        }
        return (maps.sorted(), skipped)
    }
}
