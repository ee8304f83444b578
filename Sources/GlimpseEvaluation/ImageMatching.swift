// ImageMatching: pycocotools' `computeIoU` + `evaluateImg` for one image and one category.
//
// The IoU matrix is computed once per (image, category) for the detections sorted by
// descending score (stable) and cut to the largest maxDets; each area range then re-orders
// the ground truths (non-ignored first, stable) and matches greedily at every IoU threshold.
// See COCOEvaluation for the rules in words.

import GlimpseDatasets

/// The matching of one image's detections of one category in one area range.
struct ImageMatching: Sendable {
    /// Scores of the kept detections, best first.
    var scores: [Double]
    /// `[T, D]` row-major: detection d matched a ground truth at threshold t.
    var matched: [Bool]
    /// `[T, D]` row-major: detection d is ignored at threshold t.
    var ignored: [Bool]
    /// Ground truths that count (not crowd, area in range).
    var countedTruths: Int

    /// The matching for every area range of `parameters`; nil when the image has neither
    /// ground truths nor detections of the category (pycocotools' `None`).
    static func evaluate(truths: [COCOEvaluation.Truth], detections: [COCOEvaluation.Detection],
                         parameters: COCOEvaluationParameters, segm: Bool, height: Int, width: Int) -> [ImageMatching]? {
        if truths.isEmpty && detections.isEmpty { return nil }
        // Detections by descending score, ties in file order, cut to the largest maxDets.
        var order = Array(detections.indices)
        order.sort { detections[$0].score > detections[$1].score || (detections[$0].score == detections[$1].score && $0 < $1) }
        if order.count > parameters.maxDetections.last! { order.removeLast(order.count - parameters.maxDetections.last!) }
        let sorted = order.map { detections[$0] }
        let D = sorted.count, G = truths.count
        // ious[d * G + g], ground truths in file order.
        var ious = [Double](repeating: 0, count: D * G)
        if D > 0 && G > 0 {
            if segm {
                let truthMasks = truths.map { $0.segmentation.map { COCOEvaluation.mask($0, height: height, width: width) } }
                let detectionMasks = sorted.map { $0.segmentation.map { COCOEvaluation.mask($0, height: height, width: width) } }
                let truthBoxes = truthMasks.map { $0.map(MaskIoU.boundingBox) }
                let detectionBoxes = detectionMasks.map { $0.map(MaskIoU.boundingBox) }
                for d in 0..<D {
                    guard let dm = detectionMasks[d], let db = detectionBoxes[d] else { continue }
                    for g in 0..<G {
                        guard let gm = truthMasks[g], let gb = truthBoxes[g] else { continue }
                        // rleIou only walks the runs when the masks' boxes overlap.
                        if MaskIoU.boxIoU((db[0], db[1], db[2], db[3]), (gb[0], gb[1], gb[2], gb[3]), crowd: truths[g].crowd) > 0 {
                            ious[d * G + g] = MaskIoU.maskIoU(dm, gm, crowd: truths[g].crowd)
                        }
                    }
                }
            } else {
                for d in 0..<D {
                    for g in 0..<G { ious[d * G + g] = MaskIoU.boxIoU(sorted[d].box, truths[g].box, crowd: truths[g].crowd) }
                }
            }
        }
        let thresholds = parameters.iouThresholds
        let T = thresholds.count
        var out = [ImageMatching]()
        out.reserveCapacity(parameters.areaRanges.count)
        for range in parameters.areaRanges {
            let ignoredTruth = truths.map { $0.crowd || $0.area < range.lower || $0.area > range.upper }
            // Non-ignored ground truths first, each group in file order.
            let truthOrder = truths.indices.filter { !ignoredTruth[$0] } + truths.indices.filter { ignoredTruth[$0] }
            var matched = [Bool](repeating: false, count: T * D)
            var ignored = [Bool](repeating: false, count: T * D)
            var taken = [Bool](repeating: false, count: G)
            if G > 0 {
                for t in 0..<T {
                    for g in 0..<G { taken[g] = false }
                    for d in 0..<D {
                        var best = min(thresholds[t], 1 - 1e-10)
                        var match = -1
                        for g in truthOrder {
                            if taken[g] && !truths[g].crowd { continue }
                            // Once a regular ground truth matched, ignored ones cannot win.
                            if match > -1 && !ignoredTruth[match] && ignoredTruth[g] { break }
                            let iou = ious[d * G + g]
                            if iou < best { continue }
                            best = iou
                            match = g
                        }
                        if match == -1 { continue }
                        ignored[t * D + d] = ignoredTruth[match]
                        matched[t * D + d] = true
                        taken[match] = true
                    }
                }
            }
            // Unmatched detections outside the range do not count either way.
            for d in 0..<D where sorted[d].area < range.lower || sorted[d].area > range.upper {
                for t in 0..<T where !matched[t * D + d] { ignored[t * D + d] = true }
            }
            out.append(ImageMatching(scores: sorted.map(\.score), matched: matched, ignored: ignored,
                                     countedTruths: ignoredTruth.lazy.filter { !$0 }.count))
        }
        return out
    }
}
