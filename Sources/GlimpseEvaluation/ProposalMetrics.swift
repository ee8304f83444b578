// ProposalMetrics: how well class-agnostic proposals cover ground-truth objects.
//
// For each ground-truth box, its best overlap is the highest IoU with any of the image's
// first N proposals. Recall at t is the fraction of objects whose best overlap is >= t.
// Average recall (AR) is the mean of the recalls at t = 0.50, 0.55, ..., 0.95 (the COCO
// thresholds; Hosang et al. 2016 define AR as the integral over [0.5, 1]). MABO (Uijlings et
// al. 2013, section 5.1) is the mean over classes of the average best overlap of that class's
// objects. Boxes use exclusive right/bottom edges, so a box's area is (x1 - x0)(y1 - y0).

import GlimpseImaging

/// Proposal quality at one cap on the number of proposals per image.
public struct ProposalScores: Sendable, Equatable {
    /// Proposals considered per image (the first `cap`).
    public var cap: Int
    /// Mean number of proposals actually available per image at this cap.
    public var meanProposals: Double
    /// Ground-truth objects scored.
    public var objects: Int
    /// Fraction of objects with best overlap >= 0.5.
    public var recall50: Double
    /// Fraction of objects with best overlap >= 0.7.
    public var recall70: Double
    /// Mean of the recalls at IoU 0.50, 0.55, ..., 0.95.
    public var averageRecall: Double
    /// Mean over classes of the average best overlap.
    public var mabo: Double
}

/// Recall, average recall and MABO of ranked proposals against ground truth.
public enum ProposalMetrics {
    /// Intersection over union of two boxes in the continuous convention (0 when either is
    /// empty): `BoundingBox.iou`, as COCO and the selective-search papers measure it.
    public static func iou(_ a: BoundingBox, _ b: BoundingBox) -> Double {
        a.iou(b, convention: .continuous)
    }

    /// The IoU thresholds of average recall: 0.50, 0.55, ..., 0.95.
    public static let averageRecallThresholds: [Double] = (0..<10).map { 0.5 + 0.05 * Double($0) }

    /// Best overlap of each ground-truth box with the first `cap` proposals of its image.
    ///
    /// - Parameter groundTruth: per image, its objects (`label` is the class).
    /// - Parameter proposals: per image (same order), its proposals best first.
    /// - Returns: per image, one best overlap per ground-truth box.
    public static func bestOverlaps(groundTruth: [[BoundingBox]], proposals: [[BoundingBox]], cap: Int) -> [[Double]] {
        precondition(groundTruth.count == proposals.count,
                     "ProposalMetrics: \(groundTruth.count) ground-truth images vs \(proposals.count) proposal lists")
        return zip(groundTruth, proposals).map { objects, boxes in
            let used = boxes.prefix(cap)
            return objects.map { object in used.reduce(0) { max($0, iou(object, $1)) } }
        }
    }

    /// Scores at each cap (see the file comment for the definitions).
    ///
    /// - Parameter groundTruth: per image, its objects (`label` is the class).
    /// - Parameter proposals: per image (same order), its proposals best first.
    public static func evaluate(groundTruth: [[BoundingBox]], proposals: [[BoundingBox]], caps: [Int]) -> [ProposalScores] {
        caps.map { cap in
            precondition(cap >= 1, "ProposalMetrics: cap \(cap) must be at least 1")
            let overlaps = bestOverlaps(groundTruth: groundTruth, proposals: proposals, cap: cap)
            let flat = overlaps.flatMap { $0 }
            let labels = groundTruth.flatMap { $0.map(\.label) }
            func recall(_ t: Double) -> Double {
                flat.isEmpty ? 0 : Double(flat.filter { $0 >= t - 1e-9 }.count) / Double(flat.count)
            }
            var byClass: [Int: (sum: Double, count: Int)] = [:]
            for (label, overlap) in zip(labels, flat) {
                let current = byClass[label] ?? (0, 0)
                byClass[label] = (current.sum + overlap, current.count + 1)
            }
            let mabo = byClass.isEmpty ? 0 : byClass.values.map { $0.sum / Double($0.count) }.reduce(0, +) / Double(byClass.count)
            let available = proposals.map { min(cap, $0.count) }
            return ProposalScores(
                cap: cap,
                meanProposals: proposals.isEmpty ? 0 : Double(available.reduce(0, +)) / Double(proposals.count),
                objects: flat.count,
                recall50: recall(0.5),
                recall70: recall(0.7),
                averageRecall: averageRecallThresholds.map(recall).reduce(0, +) / Double(averageRecallThresholds.count),
                mabo: mabo)
        }
    }
}
