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
    public static func keep(_ boxes: [BoundingBox], scores: [Float], iouThreshold: Double,
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
