// SegmentationEvaluation: one confusion matrix over every pixel of matched label-map files, with
// the problems of each file named.
//
// Each pair is read as palette or 8-bit gray PNG indices (PNG.decodeIndices: the index is the
// class id, never a colour), checked for size, and counted. The pairs are split into contiguous
// chunks over `Compute.threads`, one matrix per chunk, merged at the end: integer counts, so the
// result does not depend on the thread count. When several files are bad, the first in path order
// is reported, whatever thread met it first.
//
// Refused (EvaluationError naming the file): an unreadable or non-PNG file, a PNG that is not a
// label map (RGB, 16-bit), a prediction of another size than its ground truth, a ground-truth value
// that is neither a class nor the ignore label (the class list does not fit the data). Reported
// and counted as misses: predicted values that are not classes (`outOfRangeFiles`).

import Foundation
import GlimpseImaging
import GlimpseTensor

/// The confusion matrix of two folders of label maps and what was found on the way.
public struct SegmentationEvaluation: Sendable {
    /// The matched files.
    public var pairs: LabelMapPairs
    /// Counts over every pixel of every pair.
    public var matrix: ConfusionMatrix
    /// Pairs whose prediction has values outside the classes: relative path and pixel count.
    public var outOfRangeFiles: [(path: String, pixels: Int)]

    /// Reads and counts every pair. `classCount` nil: the classes are 0 through the largest id
    /// found in either map other than the ignore label.
    public init(pairs: LabelMapPairs, classCount: Int?, ignoreLabel: UInt8?) throws(EvaluationError) {
        self.pairs = pairs
        let count = pairs.relativePaths.count
        let chunks = Compute.chunkCount(for: count)
        let results = ChunkResults(chunks: chunks)
        Compute.parallelChunks(count, chunks: chunks) { chunk, range in
            var matrix = ConfusionMatrix(classCount: classCount ?? 256, ignoreLabel: ignoreLabel)
            var outOfRange = [(String, Int)]()
            for index in range {
                do throws(EvaluationError) {
                    let before = matrix.outOfRangePixels
                    try Self.add(pair: index, of: pairs, to: &matrix)
                    if matrix.outOfRangePixels > before {
                        outOfRange.append((pairs.relativePaths[index], matrix.outOfRangePixels - before))
                    }
                } catch {
                    results.store(chunk, .failure(error))
                    return
                }
            }
            results.store(chunk, .success((matrix, outOfRange)))
        }
        var total = ConfusionMatrix(classCount: classCount ?? 256, ignoreLabel: ignoreLabel)
        var outOfRange = [(path: String, pixels: Int)]()
        for result in results.slots {
            switch result! {
            case let .failure(error): throw error
            case let .success((matrix, files)):
                total.merge(matrix)
                outOfRange += files.map { (path: $0.0, pixels: $0.1) }
            }
        }
        if classCount == nil {
            var largest = 0
            for g in 0..<256 where total.groundTruthPixels(g) > 0 || total.predictedPixels(g) > 0 {
                if ignoreLabel.map({ Int($0) != g }) ?? true { largest = g }
            }
            total = total.restricted(toClassCount: largest + 1)
            // Predictions of the ignore label became out of range in the cut; name their files.
            if total.outOfRangePixels > 0 {
                outOfRange = try Self.outOfRangeFiles(pairs, classCount: largest + 1, ignoreLabel: ignoreLabel)
            }
        }
        matrix = total
        outOfRangeFiles = outOfRange
    }

    /// Reads pair `index` and adds it to `matrix`.
    static func add(pair index: Int, of pairs: LabelMapPairs, to matrix: inout ConfusionMatrix) throws(EvaluationError) {
        let (truthPath, predictionPath) = pairs.paths(index)
        let truth = try readLabelMap(truthPath)
        let prediction = try readLabelMap(predictionPath)
        guard truth.width == prediction.width && truth.height == prediction.height else {
            throw EvaluationError(.mismatch, file: predictionPath,
                                  "the prediction is \(prediction.width)x\(prediction.height), its ground truth (\(truthPath)) \(truth.width)x\(truth.height)")
        }
        let unknownBefore = matrix.unknownGroundTruth
        matrix.add(groundTruth: truth, prediction: prediction)
        if let value = (0..<256).first(where: { matrix.unknownGroundTruth[$0] > unknownBefore[$0] }) {
            let ignore = matrix.ignoreLabel.map { " nor the ignore label \($0)" } ?? ""
            throw EvaluationError(.mismatch, file: truthPath,
                                  "ground-truth value \(value) (\(matrix.unknownGroundTruth[value] - unknownBefore[value]) pixels) is neither a class (0-\(matrix.classCount - 1))\(ignore): the class list does not fit this ground truth")
        }
    }

    /// A label map from a palette or 8-bit gray PNG; imaging errors become EvaluationErrors that
    /// keep the file and the codec's cause.
    static func readLabelMap(_ path: String) throws(EvaluationError) -> LabelMap {
        do {
            return try ImageFile.readLabelMap(path)
        } catch let error as ImagingError {
            let kind: EvaluationError.Kind = switch error.kind {
            case .unreadable: .unreadable
            case .unsupported, .tooLarge: .invalidEntry
            default: .syntax
            }
            throw EvaluationError(kind, file: path, "\(error.kind.rawValue): \(error.detail)")
        } catch {
            throw EvaluationError(.unreadable, file: path, "\(error)")
        }
    }

    /// The files with out-of-range predictions, counted again over `classCount` classes (only
    /// when the class count was inferred and some prediction is the ignore label).
    static func outOfRangeFiles(_ pairs: LabelMapPairs, classCount: Int,
                                ignoreLabel: UInt8?) throws(EvaluationError) -> [(path: String, pixels: Int)] {
        var files = [(path: String, pixels: Int)]()
        for index in pairs.relativePaths.indices {
            var matrix = ConfusionMatrix(classCount: classCount, ignoreLabel: ignoreLabel)
            try add(pair: index, of: pairs, to: &matrix)
            if matrix.outOfRangePixels > 0 { files.append((pairs.relativePaths[index], matrix.outOfRangePixels)) }
        }
        return files
    }
}

/// Per-chunk results written from worker threads.
private final class ChunkResults: @unchecked Sendable {
    private let lock = NSLock()
    var slots: [Result<(ConfusionMatrix, [(String, Int)]), EvaluationError>?]

    init(chunks: Int) { slots = Array(repeating: nil, count: chunks) }

    func store(_ chunk: Int, _ result: Result<(ConfusionMatrix, [(String, Int)]), EvaluationError>) {
        lock.lock()
        slots[chunk] = result
        lock.unlock()
    }
}
