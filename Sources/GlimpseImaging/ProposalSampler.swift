// ProposalSampler: which region proposals a detector trains on, and with which labels.
//
// Every proposal is matched to the ground-truth box it overlaps most (IoU in a stated
// convention; ties go to the first box). Then, per image (Fast R-CNN `minibatch.py`
// `_sample_rois`, R-CNN's fine-tuning window data layer):
//   foreground: IoU >= foregroundThreshold (0.5), labelled with that box's class;
//   background: IoU in [backgroundLow, backgroundHigh): Fast R-CNN [0.1, 0.5) (hard-ish
//               negatives near objects), R-CNN and Faster R-CNN end2end [0, 0.5);
//   at most round(foregroundFraction x batchSize) foregrounds (0.25 x 128 = 32), the rest of
//   the batch backgrounds, each set drawn without replacement by a `SeededGenerator` shuffle,
//   so a seed gives the same batch everywhere. Fewer candidates give a smaller batch, as in
//   `minibatch.py` (nothing is drawn twice).
// With `appendGroundTruth` the ground-truth boxes join the proposals first (py-faster-rcnn
// `proposal_target_layer.py`, torchvision `roi_heads.py`), so every object has a foreground.
//
// An image without objects has no overlaps at all: every proposal is background, whatever
// `backgroundLow` says (torchvision labels them so; the lower bound only selects negatives near
// objects, and none exist). Without this, Fast R-CNN's [0.1, 0.5) would leave such an image
// with an empty batch, which is how anchor code crashes on object-free images.

import GlimpseTensor

/// A proposal's best-overlapping ground-truth box.
public struct ProposalMatch: Sendable, Equatable {
    /// Index into the ground truth of the box with the highest IoU; nil when there is no ground truth.
    public var groundTruthIndex: Int?
    /// That IoU (0 without ground truth).
    public var iou: Double

    /// Creates a match.
    public init(groundTruthIndex: Int?, iou: Double) {
        (self.groundTruthIndex, self.iou) = (groundTruthIndex, iou)
    }
}

/// A region picked for a training mini-batch.
public struct SampledRegion: Sendable, Equatable {
    /// The region (a proposal or, when appended, a ground-truth box; label and score as given).
    public var box: BoundingBox
    /// Index into the candidates: the proposals, then the appended ground truth (index = proposals + k).
    public var candidateIndex: Int
    /// The ground-truth class for a foreground region; nil for background.
    public var label: Int?
    /// The region's best-overlapping ground-truth box and IoU (the regression target of a foreground).
    public var match: ProposalMatch

    /// Creates a sampled region.
    public init(box: BoundingBox, candidateIndex: Int, label: Int?, match: ProposalMatch) {
        (self.box, self.candidateIndex, self.label, self.match) = (box, candidateIndex, label, match)
    }

    /// Whether the region is an object (has a label).
    public var isForeground: Bool { label != nil }
}

/// Labels proposals against ground truth and samples a fixed-share mini-batch from them.
public struct ProposalSampler: Sendable, Equatable {
    /// Regions per image in a batch (at most; fewer when candidates run out).
    public var batchSize: Int
    /// Share of the batch that may be foreground.
    public var foregroundFraction: Double
    /// Minimum IoU of a foreground region.
    public var foregroundThreshold: Double
    /// Lowest IoU of a background region (inclusive).
    public var backgroundLow: Double
    /// Highest IoU of a background region (exclusive).
    public var backgroundHigh: Double
    /// Whether the ground-truth boxes join the candidates.
    public var appendGroundTruth: Bool
    /// How IoU counts a box's pixels.
    public var convention: BoxConvention

    /// Creates a sampler; thresholds must satisfy 0 <= backgroundLow <= backgroundHigh <= 1 and
    /// 0 < foregroundThreshold <= 1, the fraction must lie in [0, 1].
    public init(batchSize: Int = 128, foregroundFraction: Double = 0.25, foregroundThreshold: Double = 0.5,
                backgroundLow: Double, backgroundHigh: Double = 0.5, appendGroundTruth: Bool = false,
                convention: BoxConvention = .continuous) {
        precondition(batchSize >= 1, "ProposalSampler: batch size \(batchSize) must be positive")
        precondition((0...1).contains(foregroundFraction), "ProposalSampler: foreground fraction \(foregroundFraction) not in [0, 1]")
        precondition(foregroundThreshold > 0 && foregroundThreshold <= 1, "ProposalSampler: foreground threshold \(foregroundThreshold)")
        precondition(0 <= backgroundLow && backgroundLow <= backgroundHigh && backgroundHigh <= 1,
                     "ProposalSampler: background range [\(backgroundLow), \(backgroundHigh)) is not inside [0, 1]")
        (self.batchSize, self.foregroundFraction, self.foregroundThreshold) = (batchSize, foregroundFraction, foregroundThreshold)
        (self.backgroundLow, self.backgroundHigh) = (backgroundLow, backgroundHigh)
        (self.appendGroundTruth, self.convention) = (appendGroundTruth, convention)
    }

    /// Fast R-CNN (`minibatch.py`): 128 per image (the paper: 2 images x 64), 25 % foreground
    /// at IoU >= 0.5, background IoU in [0.1, 0.5), proposals only.
    public static let fastRCNN = ProposalSampler(backgroundLow: 0.1)
    /// R-CNN fine-tuning: 128 windows, 32 foreground at IoU >= 0.5, background IoU in [0, 0.5).
    public static let rcnn = ProposalSampler(backgroundLow: 0)

    /// The number of foreground regions a full batch may hold: round(fraction x batch size).
    public var foregroundPerBatch: Int { Int((foregroundFraction * Double(batchSize)).rounded()) }

    /// Each box's best-overlapping ground-truth box and IoU, in `convention` (ties: the lowest index).
    public static func match(_ boxes: [BoundingBox], groundTruth: [BoundingBox],
                             convention: BoxConvention = .continuous) -> [ProposalMatch] {
        boxes.map { box in
            var best = ProposalMatch(groundTruthIndex: nil, iou: 0)
            for (k, truth) in groundTruth.enumerated() {
                let iou = box.iou(truth, convention: convention)
                if best.groundTruthIndex == nil || iou > best.iou { best = ProposalMatch(groundTruthIndex: k, iou: iou) }
            }
            return best
        }
    }

    /// Every candidate of one image labelled, before any sampling: the candidates (the proposals,
    /// then the ground truth if appended), each one's match, and the candidate indices that are
    /// foreground and background, in index order (the rest are neither). R-CNN's fine-tuning
    /// pools these over all images and draws its 32 + 96 windows from the pool.
    public func partition(proposals: [BoundingBox], groundTruth: [BoundingBox])
        -> (candidates: [BoundingBox], matches: [ProposalMatch], foreground: [Int], background: [Int]) {
        let candidates = proposals + (appendGroundTruth ? groundTruth : [])
        let matches = Self.match(candidates, groundTruth: groundTruth, convention: convention)
        var foreground = [Int](), background = [Int]()
        for (index, match) in matches.enumerated() {
            if groundTruth.isEmpty {
                background.append(index)
            } else if match.iou >= foregroundThreshold {
                foreground.append(index)
            } else if match.iou >= backgroundLow && match.iou < backgroundHigh {
                background.append(index)
            }
        }
        return (candidates, matches, foreground, background)
    }

    /// A mini-batch for one image: foregrounds first, then backgrounds, each in the order drawn.
    /// `proposals` are the image's region proposals, `groundTruth` its objects (possibly none);
    /// `random` is advanced by the draw.
    public func sample(proposals: [BoundingBox], groundTruth: [BoundingBox], random: inout SeededGenerator) -> [SampledRegion] {
        var (candidates, matches, foreground, background) = partition(proposals: proposals, groundTruth: groundTruth)
        random.shuffle(&foreground)
        random.shuffle(&background)
        let foregroundCount = min(foregroundPerBatch, foreground.count)
        let backgroundCount = min(batchSize - foregroundCount, background.count)
        let chosen = foreground.prefix(foregroundCount).map { ($0, true) } + background.prefix(backgroundCount).map { ($0, false) }
        return chosen.map { index, isForeground in
            let match = matches[index]
            return SampledRegion(box: candidates[index], candidateIndex: index,
                                 label: isForeground ? groundTruth[match.groundTruthIndex!].label : nil, match: match)
        }
    }
}
