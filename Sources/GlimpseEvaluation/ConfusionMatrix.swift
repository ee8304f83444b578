// ConfusionMatrix: pixel counts of (ground-truth class, predicted class) over label maps, the one
// quantity every semantic-segmentation metric of the FCN paper is computed from.
//
// Rows are ground truth, columns predictions, as in FCN's score.py (`fast_hist`: `bincount(n·gt +
// pred)` over the pixels whose ground truth lies in [0, n)). Two things score.py does silently are
// kept apart here and counted instead:
// - a prediction outside [0, n) on a counted pixel: score.py's `n·gt + pred` then lands in another
//   row's cell (or past n², and the reshape fails); here it is a miss of the ground-truth class,
//   counted in `outOfRangeByClass` (part of the row's total, in no column) and by value in
//   `outOfRangePredictions`;
// - a ground-truth value that is neither a class nor the ignore label: score.py drops it like the
//   ignore label; here it is counted by value in `unknownGroundTruth`, so a caller can refuse it.
// Pixels whose ground truth is the ignore label (VOC's 255 border) count in `ignoredPixels` only.
//
// Incremental: `add` one pair of maps at a time (a trainer's validation loop), `merge` matrices
// built in parallel. The per-pixel loop reads two bytes and one 256-entry row table and increments
// one counter; nothing is allocated per pixel or per call.

import GlimpseImaging

/// Pixel counts per (ground-truth class, predicted class) over any number of label-map pairs.
public struct ConfusionMatrix: Sendable, Equatable {
    /// Number of classes n; class ids are 0..<n.
    public let classCount: Int
    /// The ground-truth id whose pixels are skipped (nil: none is).
    public let ignoreLabel: UInt8?
    /// Counts laid out `[n, n]` row-major: `counts[g * n + p]` = pixels of class g predicted as p.
    public private(set) var counts: [Int]
    /// Per ground-truth class, pixels predicted as a value outside 0..<n (`[n]`): misses of that
    /// class that belong to no column.
    public private(set) var outOfRangeByClass: [Int]
    /// Per predicted value (`[256]`), pixels with a counted ground truth predicted as that value
    /// although it is not a class (zero below n).
    public private(set) var outOfRangePredictions: [Int]
    /// Per ground-truth value (`[256]`), pixels whose ground truth is neither a class nor the
    /// ignore label; they are left out of every metric.
    public private(set) var unknownGroundTruth: [Int]
    /// Pixels whose ground truth is the ignore label.
    public private(set) var ignoredPixels: Int

    /// `rowBase[g]` = g·n for a counted ground-truth value g, else -1: one table lookup per pixel
    /// decides whether the pixel is counted and where its row starts.
    private let rowBase: [Int]

    /// An empty matrix over `classCount` classes (1...256) skipping ground truth `ignoreLabel`.
    public init(classCount: Int, ignoreLabel: UInt8? = LabelMap.ignore) {
        precondition((1...256).contains(classCount), "ConfusionMatrix: classCount must be 1...256, not \(classCount)")
        self.classCount = classCount
        self.ignoreLabel = ignoreLabel
        counts = [Int](repeating: 0, count: classCount * classCount)
        outOfRangeByClass = [Int](repeating: 0, count: classCount)
        outOfRangePredictions = [Int](repeating: 0, count: 256)
        unknownGroundTruth = [Int](repeating: 0, count: 256)
        ignoredPixels = 0
        rowBase = (0..<256).map { g in
            g < classCount && (ignoreLabel.map { Int($0) != g } ?? true) ? g * classCount : -1
        }
    }

    /// A matrix with the given counts (`rows[g][p]`, square), e.g. a hand-made case or a saved
    /// matrix; nothing out of range or ignored.
    public init(rows: [[Int]], ignoreLabel: UInt8? = LabelMap.ignore) {
        self.init(classCount: rows.count, ignoreLabel: ignoreLabel)
        precondition(rows.allSatisfy { $0.count == rows.count && $0.allSatisfy { $0 >= 0 } },
                     "ConfusionMatrix: rows must be square and non-negative")
        counts = rows.flatMap { $0 }
    }

    /// The count of ground-truth class `groundTruth` predicted as `predicted`.
    public subscript(groundTruth: Int, predicted: Int) -> Int {
        counts[groundTruth * classCount + predicted]
    }

    /// Adds one pair of maps of the same size (`[H, W]` each); a size mismatch is a programmer
    /// error here (the command line checks sizes first and names the file).
    public mutating func add(groundTruth: LabelMap, prediction: LabelMap) {
        precondition(groundTruth.width == prediction.width && groundTruth.height == prediction.height,
                     "ConfusionMatrix.add: ground truth \(groundTruth.width)x\(groundTruth.height), prediction \(prediction.width)x\(prediction.height)")
        groundTruth.ids.withUnsafeBufferPointer { g in
            prediction.ids.withUnsafeBufferPointer { p in add(groundTruth: g, prediction: p) }
        }
    }

    /// Adds pixels given as two id buffers of equal length (ground truth, prediction).
    public mutating func add(groundTruth: UnsafeBufferPointer<UInt8>, prediction: UnsafeBufferPointer<UInt8>) {
        precondition(groundTruth.count == prediction.count, "ConfusionMatrix.add: \(groundTruth.count) vs \(prediction.count) pixels")
        let n = classCount, ignore = ignoreLabel.map(Int.init) ?? -1
        var ignored = 0
        let rowBase = self.rowBase
        counts.withUnsafeMutableBufferPointer { cells in
        outOfRangeByClass.withUnsafeMutableBufferPointer { missesByClass in
        outOfRangePredictions.withUnsafeMutableBufferPointer { missesByValue in
        unknownGroundTruth.withUnsafeMutableBufferPointer { unknown in
        rowBase.withUnsafeBufferPointer { rowBase in
            for i in 0..<groundTruth.count {
                let g = Int(groundTruth[i]), p = Int(prediction[i])
                let base = rowBase[g]
                if base >= 0 && p < n {
                    cells[base + p] &+= 1
                } else if base >= 0 {
                    missesByClass[g] += 1
                    missesByValue[p] += 1
                } else if g == ignore {
                    ignored += 1
                } else {
                    unknown[g] += 1
                }
            }
        }
        }
        }
        }
        }
        ignoredPixels += ignored
    }

    /// Adds the counts of `other` (same class count and ignore label), e.g. a matrix built on
    /// another thread.
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classCount == classCount && other.ignoreLabel == ignoreLabel,
                     "ConfusionMatrix.merge: \(other.classCount) classes / ignore \(String(describing: other.ignoreLabel)) into \(classCount) / \(String(describing: ignoreLabel))")
        for i in counts.indices { counts[i] += other.counts[i] }
        for i in outOfRangeByClass.indices { outOfRangeByClass[i] += other.outOfRangeByClass[i] }
        for i in 0..<256 {
            outOfRangePredictions[i] += other.outOfRangePredictions[i]
            unknownGroundTruth[i] += other.unknownGroundTruth[i]
        }
        ignoredPixels += other.ignoredPixels
    }

    /// `self` with `other`'s counts added.
    public func merging(_ other: ConfusionMatrix) -> ConfusionMatrix {
        var result = self
        result.merge(other)
        return result
    }

    /// The same pixels counted over the first `newCount` classes only (1...classCount): a
    /// prediction of a dropped class becomes out of range, a ground truth of a dropped class
    /// becomes unknown. For a class count known only after counting: count over 256 classes
    /// (nothing can be out of range then, which this requires), then cut to the ids present.
    public func restricted(toClassCount newCount: Int) -> ConfusionMatrix {
        precondition((1...classCount).contains(newCount), "ConfusionMatrix.restricted: \(newCount) of \(classCount) classes")
        precondition(outOfRangePixels == 0, "ConfusionMatrix.restricted: the matrix already has out-of-range predictions")
        var result = ConfusionMatrix(classCount: newCount, ignoreLabel: ignoreLabel)
        result.ignoredPixels = ignoredPixels
        result.unknownGroundTruth = unknownGroundTruth
        for g in 0..<classCount where rowBase[g] >= 0 {
            for p in 0..<classCount {
                let count = self[g, p]
                if count == 0 { continue }
                if result.rowBase[g] < 0 {
                    result.unknownGroundTruth[g] += count
                } else if p < newCount {
                    result.counts[g * newCount + p] += count
                } else {
                    result.outOfRangeByClass[g] += count
                    result.outOfRangePredictions[p] += count
                }
            }
        }
        return result
    }

    // MARK: - Sums

    /// Pixels of ground-truth class g (t_g in the FCN paper): its row plus its out-of-range misses.
    public func groundTruthPixels(_ g: Int) -> Int {
        var sum = outOfRangeByClass[g]
        for p in 0..<classCount { sum += self[g, p] }
        return sum
    }

    /// Pixels predicted as class p (Σ_g n_gp, its column).
    public func predictedPixels(_ p: Int) -> Int {
        var sum = 0
        for g in 0..<classCount { sum += self[g, p] }
        return sum
    }

    /// Pixels counted by the metrics: every pixel whose ground truth is a class.
    public var countedPixels: Int { counts.reduce(0, +) + outOfRangeByClass.reduce(0, +) }

    /// Counted pixels whose prediction was not a class.
    public var outOfRangePixels: Int { outOfRangeByClass.reduce(0, +) }

    /// Pixels whose ground truth was neither a class nor the ignore label.
    public var unknownGroundTruthPixels: Int { unknownGroundTruth.reduce(0, +) }
}
