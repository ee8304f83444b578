// AnchorSampler: which anchors a region proposal network trains on (Ren et al. 2015, section
// 3.1.2; py-faster-rcnn `anchor_target_layer.py`, torchvision `rpn.py`):
//   positive: IoU >= 0.7 with some ground-truth box, or, for each ground-truth box, the anchors
//             with the highest IoU to it (ties included, so every object has a positive even
//             when no anchor reaches 0.7; a best IoU of 0 gives none, as no anchor touches it);
//   negative: IoU < 0.3 with every ground-truth box (all anchors of an image without objects);
//   the rest (and negatives that are also a best anchor) are ignored.
// A mini-batch per image is 256 anchors, at most half positive, the rest negative, each set
// drawn without replacement by a `SeededGenerator` shuffle. Each positive regresses towards
// the ground-truth box it overlaps most.
//
// One difference from `anchor_target_layer.py`: anchors crossing the image border are kept
// (its `allowed_border 0` drops them), as torchvision does. Digits touch the border of the
// scenes, and a 128 px image has few anchors fully inside near its edges.

import GlimpseImaging
import GlimpseTensor

/// An anchor's training label.
public struct AnchorLabel: Sendable, Equatable {
    /// 1 positive, 0 negative, -1 ignored.
    public var label: Int8
    /// The ground-truth box of highest IoU (its regression target); nil without ground truth.
    public var groundTruthIndex: Int?
    /// That IoU (0 without ground truth).
    public var iou: Double
}

/// Labels anchors against ground truth and samples a fixed-share mini-batch from them.
public struct AnchorSampler: Sendable, Equatable {
    /// Anchors per image in a batch (at most; fewer when the image has fewer labelled anchors).
    public var batchSize: Int
    /// Share of the batch that may be positive.
    public var positiveFraction: Double
    /// Anchors with IoU >= this are positive.
    public var positiveThreshold: Double
    /// Anchors with IoU < this to every object are negative.
    public var negativeThreshold: Double

    /// Creates a sampler (the paper's 256, 0.5, 0.7, 0.3 by default).
    public init(batchSize: Int = 256, positiveFraction: Double = 0.5, positiveThreshold: Double = 0.7, negativeThreshold: Double = 0.3) {
        precondition(batchSize >= 1 && (0...1).contains(positiveFraction), "AnchorSampler: batch \(batchSize), fraction \(positiveFraction)")
        precondition(0 <= negativeThreshold && negativeThreshold <= positiveThreshold && positiveThreshold <= 1,
                     "AnchorSampler: thresholds \(negativeThreshold), \(positiveThreshold)")
        (self.batchSize, self.positiveFraction, self.positiveThreshold, self.negativeThreshold) =
            (batchSize, positiveFraction, positiveThreshold, negativeThreshold)
    }

    /// The most positives a batch holds: floor(fraction x batch size), as torchvision's `int()`.
    public var positivesPerBatch: Int { Int(positiveFraction * Double(batchSize)) }

    /// Every anchor's label (see the file comment), IoU in the continuous convention.
    public func label(anchors: [BoundingBox], groundTruth: [BoundingBox]) -> [AnchorLabel] {
        guard !groundTruth.isEmpty else {
            return [AnchorLabel](repeating: AnchorLabel(label: 0, groundTruthIndex: nil, iou: 0), count: anchors.count)
        }
        var labels = [AnchorLabel]()
        labels.reserveCapacity(anchors.count)
        var bestForTruth = [Double](repeating: 0, count: groundTruth.count)
        var overlaps = [Double](repeating: 0, count: anchors.count * groundTruth.count)
        for (i, anchor) in anchors.enumerated() {
            var best = AnchorLabel(label: -1, groundTruthIndex: nil, iou: 0)
            for (k, truth) in groundTruth.enumerated() {
                let iou = anchor.iou(truth)
                overlaps[i * groundTruth.count + k] = iou
                bestForTruth[k] = max(bestForTruth[k], iou)
                if best.groundTruthIndex == nil || iou > best.iou { (best.groundTruthIndex, best.iou) = (k, iou) }
            }
            best.label = best.iou >= positiveThreshold ? 1 : (best.iou < negativeThreshold ? 0 : -1)
            labels.append(best)
        }
        // Each object's best anchors, ties included (`anchor_target_layer.py`: `overlaps == gt_max_overlaps`).
        for i in anchors.indices {
            for k in groundTruth.indices where bestForTruth[k] > 0 && overlaps[i * groundTruth.count + k] == bestForTruth[k] {
                labels[i].label = 1
            }
        }
        return labels
    }

    /// The anchors of one image's batch: positives (at most `positivesPerBatch`), then negatives
    /// filling the batch, each in the order drawn from `random`.
    public func sample(_ labels: [AnchorLabel], random: inout SeededGenerator) -> (positives: [Int], negatives: [Int]) {
        var positives = labels.indices.filter { labels[$0].label == 1 }
        var negatives = labels.indices.filter { labels[$0].label == 0 }
        random.shuffle(&positives)
        random.shuffle(&negatives)
        let p = min(positivesPerBatch, positives.count)
        let n = min(batchSize - p, negatives.count)
        return (Array(positives.prefix(p)), Array(negatives.prefix(n)))
    }
}
