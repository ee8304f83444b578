// DetectionPostprocessing: from scored, class-labelled boxes to an image's final detections,
// as Fast R-CNN's `test.py` (`im_detect` + `apply_nms` + `max_per_image`) does it:
//   1. per class, keep boxes scoring strictly above `scoreThreshold` (0.05; `scores > thresh`);
//   2. per class, greedy NMS suppressing IoU > `iouThreshold` (0.3), by `NonMaximumSuppression`;
//   3. over all classes, keep the `maxDetections` (100) highest scores.
// Step 3 differs from `test.py` in one respect: `test.py` keeps every score >= the K-th, so ties
// can exceed K; here exactly K survive, ties broken by class then by input order, so the result
// is a deterministic function of the input. R-CNN's per-class NMS is the same with threshold
// 0.3 and no score threshold (pass -infinity).
//
// Optional, off by default: box voting (S. Gidaris, N. Komodakis, "Object detection via a
// multi-region & semantic segmentation-aware CNN model", ICCV 2015, section 5; Detectron's
// `box_voting` with its "ID" scoring): after NMS, each kept box's corners become the score-
// weighted mean of the corners of every candidate of its class above the score threshold whose
// IoU with it is at least `votingThreshold` (the kept box itself included); its score and class
// stay. Suppressed boxes that agree with a detection thereby tighten it.

/// Per-class score threshold, per-class greedy NMS and a cap per image.
public struct DetectionPostprocessing: Sendable, Equatable {
    /// A box survives only with a score strictly greater than this.
    public var scoreThreshold: Float
    /// Within a class, a box is suppressed by a higher-scoring kept box with IoU greater than this.
    public var iouThreshold: Double
    /// At most this many detections per image, over all classes.
    public var maxDetections: Int
    /// How IoU counts a box's pixels.
    public var convention: BoxConvention
    /// Box voting's IoU threshold (nil: no voting).
    public var votingThreshold: Double?

    /// Creates a post-processing; `maxDetections` must be positive and `iouThreshold` in [0, 1].
    /// `votingThreshold`, when given, must be in [0, 1].
    public init(scoreThreshold: Float = 0.05, iouThreshold: Double = 0.3, maxDetections: Int = 100,
                convention: BoxConvention = .continuous, votingThreshold: Double? = nil) {
        precondition(maxDetections >= 1, "DetectionPostprocessing: maxDetections \(maxDetections) must be positive")
        precondition((0...1).contains(iouThreshold), "DetectionPostprocessing: IoU threshold \(iouThreshold) not in [0, 1]")
        precondition(!scoreThreshold.isNaN, "DetectionPostprocessing: score threshold is NaN")
        precondition(votingThreshold.map { (0...1).contains($0) } ?? true, "DetectionPostprocessing: voting threshold \(votingThreshold!) not in [0, 1]")
        (self.scoreThreshold, self.iouThreshold, self.maxDetections, self.convention) = (scoreThreshold, iouThreshold, maxDetections, convention)
        self.votingThreshold = votingThreshold
    }

    /// Fast R-CNN's test settings: score > 0.05, NMS 0.3, 100 per image.
    public static let fastRCNN = DetectionPostprocessing()

    /// The final detections among `candidates` (each with its class in `label` and a non-NaN
    /// `score`), by decreasing score; equal scores by class, then by position in `candidates`.
    public func select(_ candidates: [BoundingBox]) -> [BoundingBox] {
        let scores = candidates.enumerated().map { index, box -> Float in
            guard let score = box.score, !score.isNaN else {
                preconditionFailure("DetectionPostprocessing: candidate \(index) has no score or a NaN score")
            }
            return score
        }
        var byClass = [Int: [Int]]()
        for index in candidates.indices where scores[index] > scoreThreshold {
            byClass[candidates[index].label, default: []].append(index)
        }
        var kept = [Int]()
        var voted = [Int: BoundingBox]()
        for (_, members) in byClass {
            let (boxes, memberScores) = (members.map { candidates[$0] }, members.map { scores[$0] })
            let survivors = NonMaximumSuppression.keep(boxes, scores: memberScores, iouThreshold: iouThreshold, convention: convention)
            kept += survivors.map { members[$0] }
            if let threshold = votingThreshold {
                for survivor in survivors {
                    voted[members[survivor]] = Self.vote(for: boxes[survivor], among: boxes, scores: memberScores,
                                                         threshold: threshold, convention: convention)
                }
            }
        }
        kept.sort { a, b in
            if scores[a] != scores[b] { return scores[a] > scores[b] }
            if candidates[a].label != candidates[b].label { return candidates[a].label < candidates[b].label }
            return a < b
        }
        return kept.prefix(maxDetections).map { voted[$0] ?? candidates[$0] }
    }

    /// `box` with its corners replaced by the `scores`-weighted mean of the corners of the
    /// `boxes` whose IoU with it is at least `threshold` (box voting; `box` is among `boxes`, so
    /// the mean is never empty). Weights are clamped at 0; all-zero weights leave `box` as it is.
    static func vote(for box: BoundingBox, among boxes: [BoundingBox], scores: [Float], threshold: Double,
                     convention: BoxConvention) -> BoundingBox {
        var (sum, x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0, 0.0)
        for (other, score) in zip(boxes, scores) where box.iou(other, convention: convention) >= threshold {
            let w = Double(max(0, score))
            sum += w
            x0 += w * Double(other.x0); y0 += w * Double(other.y0); x1 += w * Double(other.x1); y1 += w * Double(other.y1)
        }
        guard sum > 0 else { return box }
        var result = box
        (result.x0, result.y0, result.x1, result.y1) = (Float(x0 / sum), Float(y0 / sum), Float(x1 / sum), Float(y1 / sum))
        return result
    }
}
