// MaskIoU: overlap of COCO run-length masks and boxes as pycocotools' maskApi.c computes it.
//
// - Box IoU (`bbIou`): boxes `[x, y, w, h]`, no +1, intersection over union; for a crowd
//   ground truth the union is the detection's own area, so a detection inside a crowd region
//   scores 1 however small it is.
// - Mask IoU (`rleIou`): the runs of both masks walked together, intersection and union
//   counted in pixels; an empty intersection scores 0; crowd as for boxes (detection area).
//   pycocotools skips the walk when the masks' boxes do not overlap, which gives the same 0.
// - `rleToBbox`: the box of a mask from its runs, including the reference's quirk that a run
//   of 1s wrapping from one column into the next widens the box to the full image height
//   (such a mask has pixels at the bottom of one column and the top of the next).
// - `merge` (union): several masks joined, as `annToRLE` joins an instance's polygons.

import GlimpseDatasets

/// Overlaps and boxes of run-length masks, as pycocotools computes them.
public enum MaskIoU {
    /// IoU of detection box `d` and ground-truth box `g`, both `[x, y, w, h]`; `crowd`: the
    /// union is the detection's area.
    @inlinable
    public static func boxIoU(_ d: (Double, Double, Double, Double), _ g: (Double, Double, Double, Double), crowd: Bool) -> Double {
        let w = min(d.2 + d.0, g.2 + g.0) - max(d.0, g.0)
        if w <= 0 { return 0 }
        let h = min(d.3 + d.1, g.3 + g.1) - max(d.1, g.1)
        if h <= 0 { return 0 }
        let intersection = w * h
        let da = d.2 * d.3
        let union = crowd ? da : da + g.2 * g.3 - intersection
        return intersection / union
    }

    /// IoU of detection mask `d` and ground-truth mask `g` (same size); `crowd`: the union is
    /// the detection's area.
    public static func maskIoU(_ d: RunLengthMask, _ g: RunLengthMask, crowd: Bool) -> Double {
        precondition(d.height == g.height && d.width == g.width, "MaskIoU: masks of different sizes")
        let (intersection, union) = overlap(d.counts, g.counts)
        if intersection == 0 { return 0 }
        return Double(intersection) / Double(crowd ? d.area : union)
    }

    /// Pixels in both and in either of two masks given by their runs (same total length).
    static func overlap(_ a: [Int], _ b: [Int]) -> (intersection: Int, union: Int) {
        var intersection = 0, union = 0
        var ia = 0, ib = 0
        var ra = a.isEmpty ? 0 : a[0], rb = b.isEmpty ? 0 : b[0]
        var va = false, vb = false
        while true {
            // Skip exhausted runs (zero-length runs included) so each step consumes pixels.
            while ra == 0 && ia + 1 < a.count { ia += 1; ra = a[ia]; va.toggle() }
            while rb == 0 && ib + 1 < b.count { ib += 1; rb = b[ib]; vb.toggle() }
            let c = min(ra, rb)
            if c == 0 { break }
            if va || vb {
                union += c
                if va && vb { intersection += c }
            }
            ra -= c
            rb -= c
        }
        return (intersection, union)
    }

    /// The box `[x, y, w, h]` of a mask as pycocotools' `toBbox` gives it (zeros for an
    /// empty mask).
    public static func boundingBox(_ mask: RunLengthMask) -> [Double] {
        let h = mask.height
        let m = (mask.counts.count / 2) * 2
        if m == 0 || h == 0 { return [0, 0, 0, 0] }
        var xs = mask.width, ys = h, xe = 0, ye = 0, cumulative = 0, runStartColumn = 0
        for j in 0..<m {
            cumulative += mask.counts[j]
            // Even j: the first pixel of a run of 1s; odd j: its last pixel.
            let t = cumulative - j % 2
            let y = t % h, x = t / h
            if j % 2 == 0 {
                runStartColumn = x
            } else if runStartColumn < x {
                ys = 0
                ye = h - 1
            }
            xs = min(xs, x); xe = max(xe, x)
            ys = min(ys, y); ye = max(ye, y)
        }
        return [Double(xs), Double(ys), Double(xe - xs + 1), Double(ye - ys + 1)]
    }

    /// The union of masks of one size (pycocotools `merge` without `intersect`); an empty mask
    /// for an empty list.
    public static func union(_ masks: [RunLengthMask], height: Int, width: Int) -> RunLengthMask {
        guard var result = masks.first else { return RunLengthMask(height: height, width: width, counts: [height * width]) }
        for next in masks.dropFirst() {
            precondition(next.height == height && next.width == width, "MaskIoU.union: masks of different sizes")
            result = RunLengthMask(height: height, width: width, counts: unionCounts(result.counts, next.counts))
        }
        return result
    }

    /// Runs of the union of two masks, canonical (no empty run but possibly the first).
    static func unionCounts(_ a: [Int], _ b: [Int]) -> [Int] {
        var out = [Int]()
        var ia = 0, ib = 0
        var ra = a.isEmpty ? 0 : a[0], rb = b.isEmpty ? 0 : b[0]
        var va = false, vb = false
        var current = false, run = 0
        while true {
            while ra == 0 && ia + 1 < a.count { ia += 1; ra = a[ia]; va.toggle() }
            while rb == 0 && ib + 1 < b.count { ib += 1; rb = b[ib]; vb.toggle() }
            let c = min(ra, rb)
            if c == 0 { break }
            let value = va || vb
            if value != current { out.append(run); run = 0; current = value }
            run += c
            ra -= c
            rb -= c
        }
        out.append(run)
        return out
    }
}
