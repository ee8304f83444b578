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
// built in parallel. The per-pixel loop has no branch: two 256-entry tables send every pixel to
// one cell of an [n + 2, n + 1] table (the extra row of ignored pixels, of unknown ground truth,
// the extra column of non-class predictions), in four lanes that consecutive pixels alternate
// between (a run of equal pixels would otherwise wait on one counter: 0.37 -> 0.19 ms for a
// 500x500 map of 40-pixel runs); nothing is allocated per pixel. Only when a map
// has pixels in the rare cells is it read a second time, to record their values.

import GlimpseImaging

/// Pixel counts per (ground-truth class, predicted class) over any number of label-map pairs.
public struct ConfusionMatrix: Sendable, Equatable {
    /// Number of classes n; class ids are 0..<n.
    public let classCount: Int
    /// The ground-truth id whose pixels are skipped (nil: none is).
    public let ignoreLabel: UInt8?
    /// Per predicted value (`[256]`), pixels with a counted ground truth predicted as that value
    /// although it is not a class (zero below n).
    public private(set) var outOfRangePredictions: [Int]
    /// Per ground-truth value (`[256]`), pixels whose ground truth is neither a class nor the
    /// ignore label; they are left out of every metric.
    public private(set) var unknownGroundTruth: [Int]

    /// All counts, `[4, n + 2, n + 1]`: four lanes (pixel i goes to lane i % 4, so that runs of
    /// equal pixels do not wait on one counter; a cell's count is the sum of its lanes), each
    /// row-major with rows 0..<n the classes, row n the ignored pixels, row n + 1 the unknown
    /// ground truth, columns 0..<n the predicted classes, column n the predictions that are not
    /// classes. Every pixel lands in exactly one cell, so the loop has no branch:
    /// `cells[lane + rowBase[g] + column[p]] += 1`.
    private var cells: [Int]
    /// Cells per lane, (n + 2)(n + 1).
    private var laneSize: Int { (classCount + 2) * (classCount + 1) }
    /// `rowBase[g]`: the first cell of ground-truth value g's row.
    private let rowBase: [Int]
    /// `column[p]`: p for a class, n for any other predicted value.
    private let column: [Int]

    /// An empty matrix over `classCount` classes (1...256) skipping ground truth `ignoreLabel`.
    public init(classCount: Int, ignoreLabel: UInt8? = LabelMap.ignore) {
        precondition((1...256).contains(classCount), "ConfusionMatrix: classCount must be 1...256, not \(classCount)")
        let n = classCount
        self.classCount = n
        self.ignoreLabel = ignoreLabel
        outOfRangePredictions = [Int](repeating: 0, count: 256)
        unknownGroundTruth = [Int](repeating: 0, count: 256)
        cells = [Int](repeating: 0, count: 4 * (n + 2) * (n + 1))
        rowBase = (0..<256).map { g in
            if let ignoreLabel, g == Int(ignoreLabel) { return n * (n + 1) }
            return g < n ? g * (n + 1) : (n + 1) * (n + 1)
        }
        column = (0..<256).map { min($0, n) }
    }

    /// A matrix with the given counts (`rows[g][p]`, square), e.g. a hand-made case or a saved
    /// matrix; nothing out of range or ignored.
    public init(rows: [[Int]], ignoreLabel: UInt8? = LabelMap.ignore) {
        self.init(classCount: rows.count, ignoreLabel: ignoreLabel)
        precondition(rows.allSatisfy { $0.count == rows.count && $0.allSatisfy { $0 >= 0 } },
                     "ConfusionMatrix: rows must be square and non-negative")
        for (g, row) in rows.enumerated() where rowBase[g] == g * (classCount + 1) {
            for (p, count) in row.enumerated() { cells[g * (classCount + 1) + p] = count }
        }
    }

    /// The count of ground-truth class `groundTruth` predicted as `predicted`.
    public subscript(groundTruth: Int, predicted: Int) -> Int {
        precondition((0..<classCount).contains(groundTruth) && (0..<classCount).contains(predicted),
                     "ConfusionMatrix: (\(groundTruth), \(predicted)) outside \(classCount) classes")
        return cell(groundTruth * (classCount + 1) + predicted)
    }

    /// Cell `index` of a lane, summed over the four lanes.
    private func cell(_ index: Int) -> Int {
        let size = laneSize
        return cells[index] + cells[size + index] + cells[2 * size + index] + cells[3 * size + index]
    }

    /// Counts laid out `[n, n]` row-major: `counts[g * n + p]` = pixels of class g predicted as p.
    public var counts: [Int] {
        (0..<classCount).flatMap { g in (0..<classCount).map { cell(g * (classCount + 1) + $0) } }
    }

    /// Per ground-truth class, pixels predicted as a value outside 0..<n (`[n]`): misses of that
    /// class that belong to no column.
    public var outOfRangeByClass: [Int] {
        (0..<classCount).map { g in cell(g * (classCount + 1) + classCount) }
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
        let missesBefore = outOfRangePixels, unknownBefore = unknownGroundTruthPixels
        let rowBase = self.rowBase, column = self.column, lane = laneSize, count = groundTruth.count
        cells.withUnsafeMutableBufferPointer { cells in
            rowBase.withUnsafeBufferPointer { rowBase in
                column.withUnsafeBufferPointer { column in
                    var i = 0
                    while i + 4 <= count {
                        cells[rowBase[Int(groundTruth[i])] &+ column[Int(prediction[i])]] &+= 1
                        cells[lane &+ rowBase[Int(groundTruth[i &+ 1])] &+ column[Int(prediction[i &+ 1])]] &+= 1
                        cells[2 &* lane &+ rowBase[Int(groundTruth[i &+ 2])] &+ column[Int(prediction[i &+ 2])]] &+= 1
                        cells[3 &* lane &+ rowBase[Int(groundTruth[i &+ 3])] &+ column[Int(prediction[i &+ 3])]] &+= 1
                        i &+= 4
                    }
                    while i < count {
                        cells[rowBase[Int(groundTruth[i])] &+ column[Int(prediction[i])]] &+= 1
                        i &+= 1
                    }
                }
            }
        }
        // The rare cells lose which value it was; a second pass over these maps finds out.
        if outOfRangePixels != missesBefore || unknownGroundTruthPixels != unknownBefore {
            let n = classCount
            for i in 0..<groundTruth.count {
                let g = Int(groundTruth[i]), p = Int(prediction[i])
                if rowBase[g] == (n + 1) * (n + 1) { unknownGroundTruth[g] += 1 }
                else if rowBase[g] < n * (n + 1) && p >= n { outOfRangePredictions[p] += 1 }
            }
        }
    }

    /// Adds the counts of `other` (same class count and ignore label), e.g. a matrix built on
    /// another thread.
    public mutating func merge(_ other: ConfusionMatrix) {
        precondition(other.classCount == classCount && other.ignoreLabel == ignoreLabel,
                     "ConfusionMatrix.merge: \(other.classCount) classes / ignore \(String(describing: other.ignoreLabel)) into \(classCount) / \(String(describing: ignoreLabel))")
        for i in cells.indices { cells[i] += other.cells[i] }
        for i in 0..<256 {
            outOfRangePredictions[i] += other.outOfRangePredictions[i]
            unknownGroundTruth[i] += other.unknownGroundTruth[i]
        }
    }

    /// Whether two matrices count the same: classes, ignore label, every class cell, the
    /// out-of-range, ignored and unknown counts (the columns of the ignored and unknown rows are
    /// bookkeeping and not compared).
    public static func == (a: ConfusionMatrix, b: ConfusionMatrix) -> Bool {
        a.classCount == b.classCount && a.ignoreLabel == b.ignoreLabel && a.counts == b.counts
            && a.outOfRangeByClass == b.outOfRangeByClass && a.ignoredPixels == b.ignoredPixels
            && a.unknownGroundTruthPixels == b.unknownGroundTruthPixels
            && a.outOfRangePredictions == b.outOfRangePredictions && a.unknownGroundTruth == b.unknownGroundTruth
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
        let oldStride = classCount + 1, newStride = newCount + 1
        // Ignored and unknown rows keep their totals (their columns carry no meaning).
        result.cells[newCount * newStride] = ignoredPixels
        result.unknownGroundTruth = unknownGroundTruth
        for g in 0..<classCount where rowBase[g] == g * oldStride {
            for p in 0..<classCount {
                let count = cell(g * oldStride + p)
                if count == 0 { continue }
                let row = result.rowBase[g]
                if row == (newCount + 1) * newStride {
                    result.unknownGroundTruth[g] += count
                    result.cells[row] += count
                } else if p < newCount {
                    result.cells[row + p] += count
                } else {
                    result.cells[row + newCount] += count
                    result.outOfRangePredictions[p] += count
                }
            }
        }
        result.cells[(newCount + 1) * newStride] += rowSum(classCount + 1)
        return result
    }

    /// The sum of internal row `row` (a class, n = ignored, n + 1 = unknown).
    private func rowSum(_ row: Int) -> Int {
        let base = row * (classCount + 1)
        return (base..<(base + classCount + 1)).reduce(0) { $0 + cell($1) }
    }

    // MARK: - Sums

    /// Pixels of ground-truth class g (t_g in the FCN paper): its row plus its out-of-range misses.
    public func groundTruthPixels(_ g: Int) -> Int {
        precondition((0..<classCount).contains(g), "ConfusionMatrix: class \(g) outside \(classCount) classes")
        return rowSum(g)
    }

    /// Pixels predicted as class p (Σ_g n_gp, its column).
    public func predictedPixels(_ p: Int) -> Int {
        var sum = 0
        for g in 0..<classCount { sum += self[g, p] }
        return sum
    }

    /// Pixels counted by the metrics: every pixel whose ground truth is a class.
    public var countedPixels: Int { (0..<classCount).reduce(0) { $0 + rowSum($1) } }

    /// Counted pixels whose prediction was not a class.
    public var outOfRangePixels: Int { (0..<classCount).reduce(0) { $0 + cell($1 * (classCount + 1) + classCount) } }

    /// Pixels whose ground truth was neither a class nor the ignore label.
    public var unknownGroundTruthPixels: Int { rowSum(classCount + 1) }
}
