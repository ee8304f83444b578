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
// built in parallel. The per-pixel loop has no branch: a 256-entry row table and the predicted
// value itself send every pixel to one cell of an [n + 2, 256] table (rows: the classes, then the
// ignored pixels, then the unknown ground truth; columns: every predicted value, so non-class
// predictions are kept by value at no cost), in four lanes that consecutive pixels alternate
// between (a run of equal pixels would otherwise wait on one counter: 0.37 -> 0.19 ms for a
// 500x500 map of 40-pixel runs in a stand-alone benchmark); nothing is allocated per pixel. Only
// a map with unknown ground truth (an input error) is read a second time, to record the values.

import GlimpseImaging

/// Pixel counts per (ground-truth class, predicted class) over any number of label-map pairs.
public struct ConfusionMatrix: Sendable, Equatable {
    /// Number of classes n; class ids are 0..<n.
    public let classCount: Int
    /// The ground-truth id whose pixels are skipped (nil: none is).
    public let ignoreLabel: UInt8?
    /// Per ground-truth value (`[256]`), pixels whose ground truth is neither a class nor the
    /// ignore label; they are left out of every metric.
    public private(set) var unknownGroundTruth: [Int]

    /// All counts, `[4, n + 2, 256]`: four lanes (pixel i goes to lane i % 4, so that runs of
    /// equal pixels do not wait on one counter; a cell's count is the sum of its lanes), each
    /// row-major with rows 0..<n the ground-truth classes, row n the ignored pixels, row n + 1
    /// the unknown ground truth, and one column per predicted value (0..<n the classes).
    /// Every pixel lands in exactly one cell: `cells[lane + rowBase[g] + p] += 1`.
    private var cells: [Int]
    /// `rowBase[g]`: the first cell of ground-truth value g's row.
    private let rowBase: [Int]
    /// Cells per lane.
    private var laneSize: Int { (classCount + 2) * 256 }

    /// An empty matrix over `classCount` classes (1...256) skipping ground truth `ignoreLabel`.
    public init(classCount: Int, ignoreLabel: UInt8? = LabelMap.ignore) {
        precondition((1...256).contains(classCount), "ConfusionMatrix: classCount must be 1...256, not \(classCount)")
        let n = classCount
        self.classCount = n
        self.ignoreLabel = ignoreLabel
        unknownGroundTruth = [Int](repeating: 0, count: 256)
        cells = [Int](repeating: 0, count: 4 * (n + 2) * 256)
        rowBase = (0..<256).map { g in
            if let ignoreLabel, g == Int(ignoreLabel) { return n * 256 }
            return g < n ? g * 256 : (n + 1) * 256
        }
    }

    /// A matrix with the given counts (`rows[g][p]`, square), e.g. a hand-made case or a saved
    /// matrix; nothing out of range or ignored.
    public init(rows: [[Int]], ignoreLabel: UInt8? = LabelMap.ignore) {
        self.init(classCount: rows.count, ignoreLabel: ignoreLabel)
        precondition(rows.allSatisfy { $0.count == rows.count && $0.allSatisfy { $0 >= 0 } },
                     "ConfusionMatrix: rows must be square and non-negative")
        for (g, row) in rows.enumerated() where isClassRow(g) {
            for (p, count) in row.enumerated() { cells[g * 256 + p] = count }
        }
    }

    /// The count of ground-truth class `groundTruth` predicted as `predicted`.
    public subscript(groundTruth: Int, predicted: Int) -> Int {
        precondition((0..<classCount).contains(groundTruth) && (0..<classCount).contains(predicted),
                     "ConfusionMatrix: (\(groundTruth), \(predicted)) outside \(classCount) classes")
        return cell(groundTruth * 256 + predicted)
    }

    /// Counts laid out `[n, n]` row-major: `counts[g * n + p]` = pixels of class g predicted as p.
    public var counts: [Int] {
        (0..<classCount).flatMap { g in (0..<classCount).map { cell(g * 256 + $0) } }
    }

    /// Per ground-truth class, pixels predicted as a value outside 0..<n (`[n]`): misses of that
    /// class that belong to no column.
    public var outOfRangeByClass: [Int] {
        (0..<classCount).map { g in isClassRow(g) ? (classCount..<256).reduce(0) { $0 + cell(g * 256 + $1) } : 0 }
    }

    /// Per predicted value (`[256]`), pixels with a counted ground truth predicted as that value
    /// although it is not a class (zero below n).
    public var outOfRangePredictions: [Int] {
        (0..<256).map { p in
            p < classCount ? 0 : (0..<classCount).reduce(0) { isClassRow($1) ? $0 + cell($1 * 256 + p) : $0 }
        }
    }

    /// Pixels whose ground truth is the ignore label.
    public var ignoredPixels: Int { rowSum(classCount) }

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
        let unknownBefore = unknownGroundTruthPixels
        let rowBase = self.rowBase, lane = laneSize, count = groundTruth.count
        cells.withUnsafeMutableBufferPointer { cells in
            rowBase.withUnsafeBufferPointer { rowBase in
                var i = 0
                while i + 4 <= count {
                    cells[rowBase[Int(groundTruth[i])] &+ Int(prediction[i])] &+= 1
                    cells[lane &+ rowBase[Int(groundTruth[i &+ 1])] &+ Int(prediction[i &+ 1])] &+= 1
                    cells[2 &* lane &+ rowBase[Int(groundTruth[i &+ 2])] &+ Int(prediction[i &+ 2])] &+= 1
                    cells[3 &* lane &+ rowBase[Int(groundTruth[i &+ 3])] &+ Int(prediction[i &+ 3])] &+= 1
                    i &+= 4
                }
                while i < count {
                    cells[rowBase[Int(groundTruth[i])] &+ Int(prediction[i])] &+= 1
                    i &+= 1
                }
            }
        }
        // The unknown row keeps predicted values, not ground-truth ones; an input error, so a
        // second pass to name the values costs nothing that matters.
        if unknownGroundTruthPixels != unknownBefore {
            let unknownRow = (classCount + 1) * 256
            for i in 0..<count where rowBase[Int(groundTruth[i])] == unknownRow { unknownGroundTruth[Int(groundTruth[i])] += 1 }
        }
    }

    /// Adds the counts of `other` (same class count and ignore label), e.g. a matrix built on
    /// another thread.
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classCount == classCount && other.ignoreLabel == ignoreLabel,
                     "ConfusionMatrix.merge: \(other.classCount) classes / ignore \(String(describing: other.ignoreLabel)) into \(classCount) / \(String(describing: ignoreLabel))")
        for i in cells.indices { cells[i] += other.cells[i] }
        for i in 0..<256 { unknownGroundTruth[i] += other.unknownGroundTruth[i] }
    }

    /// Whether two matrices count the same: classes, ignore label, every class cell, the
    /// out-of-range (by value), ignored and unknown counts.
    public static func == (a: ConfusionMatrix, b: ConfusionMatrix) -> Bool {
        a.classCount == b.classCount && a.ignoreLabel == b.ignoreLabel && a.counts == b.counts
            && a.outOfRangeByClass == b.outOfRangeByClass && a.outOfRangePredictions == b.outOfRangePredictions
            && a.ignoredPixels == b.ignoredPixels && a.unknownGroundTruth == b.unknownGroundTruth
            && a.unknownGroundTruthPixels == b.unknownGroundTruthPixels
    }

    /// `self` with `other`'s counts added.
    public func merging(_ other: ConfusionMatrix) -> ConfusionMatrix {
        var result = self
        result.merge(other)
        return result
    }

    /// The same pixels counted over the first `newCount` classes only (1...classCount): a
    /// prediction of a dropped class becomes out of range, a ground truth of a dropped class
    /// becomes unknown. For a class count known only after counting: count over 256 classes,
    /// then cut to the ids present.
    public func restricted(toClassCount newCount: Int) -> ConfusionMatrix {
        precondition((1...classCount).contains(newCount), "ConfusionMatrix.restricted: \(newCount) of \(classCount) classes")
        var result = ConfusionMatrix(classCount: newCount, ignoreLabel: ignoreLabel)
        let unknownRow = (newCount + 1) * 256
        // The ignored and unknown rows keep their totals (in column 0: their columns mean nothing
        // that is reported).
        result.cells[newCount * 256] = ignoredPixels
        result.cells[unknownRow] = unknownGroundTruthPixels
        result.unknownGroundTruth = unknownGroundTruth
        for g in 0..<classCount where isClassRow(g) {
            for p in 0..<256 {
                let count = cell(g * 256 + p)
                if count == 0 { continue }
                let row = result.rowBase[g]
                if row == unknownRow { result.unknownGroundTruth[g] += count }
                result.cells[row + (row == unknownRow ? 0 : p)] += count
            }
        }
        return result
    }

    /// Whether ground-truth value g is a counted class.
    private func isClassRow(_ g: Int) -> Bool { g < classCount && rowBase[g] == g * 256 }

    /// Cell `index` of a lane, summed over the four lanes.
    private func cell(_ index: Int) -> Int {
        let size = laneSize
        return cells[index] + cells[size + index] + cells[2 * size + index] + cells[3 * size + index]
    }

    /// The sum of internal row `row` (a class, n = ignored, n + 1 = unknown).
    private func rowSum(_ row: Int) -> Int {
        (row * 256..<(row * 256 + 256)).reduce(0) { $0 + cell($1) }
    }

    // MARK: - Sums

    /// Pixels of ground-truth class g (t_g in the FCN paper): its row plus its out-of-range misses.
    public func groundTruthPixels(_ g: Int) -> Int {
        precondition((0..<classCount).contains(g), "ConfusionMatrix: class \(g) outside \(classCount) classes")
        return isClassRow(g) ? rowSum(g) : 0
    }

    /// Pixels predicted as class p (Σ_g n_gp, its column).
    public func predictedPixels(_ p: Int) -> Int {
        var sum = 0
        for g in 0..<classCount { sum += self[g, p] }
        return sum
    }

    /// Pixels counted by the metrics: every pixel whose ground truth is a class.
    public var countedPixels: Int { (0..<classCount).reduce(0) { $0 + groundTruthPixels($1) } }

    /// Counted pixels whose prediction was not a class.
    public var outOfRangePixels: Int { classCount == 256 ? 0 : outOfRangeByClass.reduce(0, +) }

    /// Pixels whose ground truth was neither a class nor the ignore label.
    public var unknownGroundTruthPixels: Int { rowSum(classCount + 1) }
}
