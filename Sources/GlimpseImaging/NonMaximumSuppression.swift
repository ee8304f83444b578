// NonMaximumSuppression: greedy NMS, the last step of every detector's test time (R-CNN and
// Fast R-CNN per class at 0.3, the RPN at 0.7, torchvision per class at 0.5).
//
// Semantics of torchvision.ops.nms: visit boxes by score, highest first (equal scores in index
// order, as a stable sort gives); keep a box unless its IoU with an already kept box is greater
// than the threshold (equal is kept, as `py_cpu_nms` keeps `ovr <= thresh`). The cost is
// O(n * kept) IoUs, fine for the thousands of boxes a detector scores per image.

/// Greedy non-maximum suppression over scored boxes.
public enum NonMaximumSuppression {
    /// The indices of the boxes kept, by decreasing score (ties by index): each box whose IoU
    /// (in `convention`) with every box kept before it is at most `iouThreshold`, the first
    /// `maxKept` of them (the same as keeping all and taking a prefix, but stopping early, as a
    /// region proposal network's post-NMS top N does). `scores` has one entry per box.
    ///
    /// The fast path of `keepNaive` (the reference it is tested against, index for index): the
    /// sort is skipped when the scores already come in order (a region proposal network's
    /// pre-NMS top N does), and each candidate is compared with the kept boxes' coordinates and
    /// areas held in flat arrays, computed once, in the same Double arithmetic as `BoundingBox.iou`.
    public static func keep(_ boxes: [BoundingBox], scores: [Float], iouThreshold: Double,
                            convention: BoxConvention = .continuous, maxKept: Int = .max) -> [Int] {
        precondition(boxes.count == scores.count, "NonMaximumSuppression: \(boxes.count) boxes but \(scores.count) scores")
        precondition(!scores.contains { $0.isNaN }, "NonMaximumSuppression: a score is NaN")
        precondition(maxKept >= 0, "NonMaximumSuppression: maxKept \(maxKept)")
        let inOrder = zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 }
        let order = inOrder ? Array(boxes.indices) : boxes.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let extent = convention.extent
        let capacity = min(boxes.count, maxKept)
        var kept = [Int]()
        kept.reserveCapacity(capacity)
        // The kept boxes' corners (x0, y0, x1, y1) and areas, appended as they are kept.
        var corners = [Float](repeating: 0, count: 4 * capacity), areas = [Double](repeating: 0, count: capacity)
        corners.withUnsafeMutableBufferPointer { c in
            areas.withUnsafeMutableBufferPointer { a in
                for index in order {
                    let count = kept.count
                    if count == maxKept { break }
                    let box = boxes[index]
                    let area = max(0, Double(box.x1) - Double(box.x0) + extent) * max(0, Double(box.y1) - Double(box.y0) + extent)
                    var suppressed = false
                    for j in 0..<count {
                        let w = Double(min(c[4 * j + 2], box.x1)) - Double(max(c[4 * j], box.x0)) + extent
                        let h = Double(min(c[4 * j + 3], box.y1)) - Double(max(c[4 * j + 1], box.y0)) + extent
                        var iou = 0.0
                        if w > 0 && h > 0 {
                            let intersection = w * h
                            let union = a[j] + area - intersection
                            iou = union > 0 ? intersection / union : 0
                        }
                        if iou > iouThreshold { suppressed = true; break }
                    }
                    if suppressed { continue }
                    (c[4 * count], c[4 * count + 1], c[4 * count + 2], c[4 * count + 3]) = (box.x0, box.y0, box.x1, box.y1)
                    a[count] = area
                    kept.append(index)
                }
            }
        }
        return kept
    }

    /// The naive reference of `keep(_:scores:iouThreshold:convention:maxKept:)`: a stable sort by
    /// score, then each box against every kept box with `BoundingBox.iou`.
    public static func keepNaive(_ boxes: [BoundingBox], scores: [Float], iouThreshold: Double,
                                 convention: BoxConvention = .continuous, maxKept: Int = .max) -> [Int] {
        precondition(boxes.count == scores.count, "NonMaximumSuppression: \(boxes.count) boxes but \(scores.count) scores")
        precondition(!scores.contains { $0.isNaN }, "NonMaximumSuppression: a score is NaN")
        precondition(maxKept >= 0, "NonMaximumSuppression: maxKept \(maxKept)")
        let order = boxes.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        var kept = [Int]()
        for index in order {
            if kept.count == maxKept { break }
            if kept.allSatisfy({ boxes[$0].iou(boxes[index], convention: convention) <= iouThreshold }) { kept.append(index) }
        }
        return kept
    }

    /// The indices kept by `keep(_:scores:iouThreshold:convention:)` with each box's own `score`
    /// (every box must have one).
    public static func keep(_ boxes: [BoundingBox], iouThreshold: Double, convention: BoxConvention = .continuous) -> [Int] {
        let scores = boxes.map { box -> Float in
            guard let score = box.score else { preconditionFailure("NonMaximumSuppression: a box has no score") }
            return score
        }
        return keep(boxes, scores: scores, iouThreshold: iouThreshold, convention: convention)
    }
}
