// MTCNNCandidates: the box arithmetic between MTCNN's three networks (Zhang et al. 2016, and
// the reference code released with it, as facenet-pytorch 2.6.0's `detect_face` ports it):
// P-Net's map cells to image boxes, non-maximum suppression ("union" and "min"), the box
// regression ("calibration"), the square-up and the crop window.
//
// The coordinates follow the reference's conventions exactly, because parity is checked
// against it: a P-Net cell (x, y) at pyramid scale s is the box floor((2x + 1) / s),
// floor((2y + 1) / s) to floor((2x + 12) / s), floor((2y + 12) / s); crops take pixel rows
// trunc(y1) - 1 ..< trunc(y2) (the MATLAB code's 1-based indices) clipped to the image; the
// stage-2 and -3 regressions scale by `x2 - x1 + 1`, the stage-1 one by `x2 - x1`.

import GlimpseImaging

/// A face candidate: box corners, score and the network's four box offsets.
struct MTCNNCandidate: Sendable {
    /// Corners in the reference's pixel coordinates.
    var x1: Float, y1: Float, x2: Float, y2: Float
    /// The face probability of the network that kept it.
    var score: Float
    /// The regression offsets (dx1, dy1, dx2, dy2), in box widths and heights.
    var offsets: (Float, Float, Float, Float) = (0, 0, 0, 0)

    /// Creates a candidate.
    init(x1: Float, y1: Float, x2: Float, y2: Float, score: Float, offsets: (Float, Float, Float, Float) = (0, 0, 0, 0)) {
        (self.x1, self.y1, self.x2, self.y2, self.score, self.offsets) = (x1, y1, x2, y2, score, offsets)
    }

    /// The box moved by its offsets times its size: `x2 - x1` after P-Net (`plusOne` false),
    /// `x2 - x1 + 1` after R-Net and O-Net (the reference's `bbreg`).
    func calibrated(plusOne: Bool) -> MTCNNCandidate {
        let extra: Float = plusOne ? 1 : 0
        let w = x2 - x1 + extra, h = y2 - y1 + extra
        var box = self
        box.x1 = x1 + offsets.0 * w
        box.y1 = y1 + offsets.1 * h
        box.x2 = x2 + offsets.2 * w
        box.y2 = y2 + offsets.3 * h
        return box
    }

    /// The square of side max(w, h) with the same centre (the reference's `rerec`).
    func squared() -> MTCNNCandidate {
        let w = x2 - x1, h = y2 - y1, side = max(w, h)
        var box = self
        box.x1 = x1 + w * 0.5 - side * 0.5
        box.y1 = y1 + h * 0.5 - side * 0.5
        box.x2 = box.x1 + side
        box.y2 = box.y1 + side
        return box
    }

    /// The pixel rows and columns a crop of this box reads (the reference's `pad`): corners
    /// truncated towards zero, 1-based, clipped to the image; nil when nothing of it is inside.
    func cropWindow(width: Int, height: Int) -> (rows: Range<Int>, columns: Range<Int>)? {
        func truncated(_ v: Float) -> Int { v.isFinite ? Int(max(min(v, 1e9), -1e9)) : 0 }
        let x = max(truncated(x1), 1), y = max(truncated(y1), 1)
        let ex = min(truncated(x2), width), ey = min(truncated(y2), height)
        guard ex > x - 1 && ey > y - 1 else { return nil }
        return ((y - 1)..<ey, (x - 1)..<ex)
    }

    /// The box as a Glimpse box (label 0, the candidate's score).
    var boundingBox: BoundingBox { BoundingBox(x0: x1, y0: y1, x1: x2, y1: y2, label: 0, score: score) }
}

/// How MTCNN's non-maximum suppression measures overlap.
enum MTCNNOverlap: String, Sendable, CaseIterable {
    /// Intersection over union, areas `(x2 - x1) (y2 - y1)` (torchvision's `nms`, which
    /// facenet-pytorch uses for P-Net and R-Net).
    case union
    /// Intersection over the smaller area, areas `(x2 - x1 + 1) (y2 - y1 + 1)` (the reference's
    /// "Min" mode after O-Net, so a box inside a larger face box goes).
    case min
}

extension Array where Element == MTCNNCandidate {
    /// Greedy non-maximum suppression: candidates by score, highest first (ties keep their order),
    /// each kept unless it overlaps an already kept one by more than `threshold`.
    func suppressed(threshold: Float, overlap: MTCNNOverlap) -> [MTCNNCandidate] {
        keptIndices(threshold: threshold, overlap: overlap).map { self[$0] }
    }

    /// The indices `suppressed` keeps, highest score first.
    func keptIndices(threshold: Float, overlap: MTCNNOverlap) -> [Int] {
        let order = indices.sorted { self[$0].score > self[$1].score || (self[$0].score == self[$1].score && $0 < $1) }
        let extra: Float = overlap == .min ? 1 : 0
        let areas = map { ($0.x2 - $0.x1 + extra) * ($0.y2 - $0.y1 + extra) }
        var kept = [MTCNNCandidate]()
        var keptIndices = [Int]()
        var keptAreas = [Float]()
        kept.reserveCapacity(Swift.min(count, 256))
        for i in order {
            let a = self[i]
            var keep = true
            for (k, b) in kept.enumerated() {
                let iw = Swift.max(0, Swift.min(a.x2, b.x2) - Swift.max(a.x1, b.x1) + extra)
                let ih = Swift.max(0, Swift.min(a.y2, b.y2) - Swift.max(a.y1, b.y1) + extra)
                let inter = iw * ih
                let ratio = overlap == .min ? inter / Swift.min(areas[i], keptAreas[k])
                                            : inter / (areas[i] + keptAreas[k] - inter)
                if ratio > threshold { keep = false; break }
            }
            if keep {
                kept.append(a)
                keptIndices.append(i)
                keptAreas.append(areas[i])
            }
        }
        return keptIndices
    }
}
