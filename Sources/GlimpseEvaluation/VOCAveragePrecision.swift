// VOCAveragePrecision: PASCAL VOC detection AP at IoU 0.5, as py-faster-rcnn's voc_eval.py
// computes it, on COCO ground truth and results.
//
// Conventions (voc_eval.py, followed exactly unless said):
// - Boxes: a COCO box [x, y, w, h] becomes VOC's inclusive pixel box (x, y, x + w - 1,
//   y + h - 1), as py-faster-rcnn's COCO/VOC converters do; voc_eval's "+1" widths then give
//   back w and h, so the IoU is the continuous box IoU of the COCO boxes.
// - A detection is a true positive when its best-overlapping ground truth of the same image
//   and class (the first of equal overlaps) has IoU strictly > 0.5, is not difficult and is
//   not yet taken; a taken one makes it a false positive; a difficult one makes it neither.
//   COCO crowd regions play VOC's "difficult" (they are not to be found, and finding them is
//   not an error); the positives counted are the non-crowd ground truths.
// - Detections of a class are ranked by descending score over all images. voc_eval uses
//   numpy's default quicksort, whose tie order is unspecified; here ties keep file order
//   (stable), the same order COCOEvaluation uses. No maxDets cut.
// - recall = tp / positives, precision = tp / max(tp + fp, eps).
// - 11-point (VOC2007): the mean over t = 0, 0.1, ..., 1.0 (numpy's arange values i * 0.1) of
//   the highest precision at recall >= t (0 if none). All-point (VOC2010 on): precision made
//   non-increasing from the right with sentinels (0, 0) and (1, 0), summed over the recall
//   steps.
// - A class without positives has no AP (voc_eval divides by zero) and is left out of the mean.

import GlimpseDatasets

/// VOC AP at IoU 0.5 of one category.
public struct VOCCategoryAP: Sendable, Equatable {
    /// The category id.
    public var categoryID: Int
    /// Non-crowd ground truths (voc_eval's `npos`).
    public var positives: Int
    /// Detections of the category.
    public var detections: Int
    /// VOC2007 11-point interpolated AP; nil without positives.
    public var elevenPoint: Double?
    /// VOC2010+ all-point AP (area under the interpolated curve); nil without positives.
    public var allPoint: Double?
}

/// PASCAL VOC AP at IoU 0.5 over COCO files.
public enum VOCAveragePrecision {
    /// voc_eval's overlap threshold (strict).
    public static let overlapThreshold = 0.5

    /// Per-category AP for every category of the ground truth, in ascending id order.
    public static func evaluate(groundTruth: COCOInstances, results: COCOResults) -> [VOCCategoryAP] {
        struct Truth { var box: (Double, Double, Double, Double); var difficult: Bool }
        var truths = [Int: [Int: [Truth]]]()  // category -> image -> boxes
        for a in groundTruth.annotations {
            let b = a.bbox
            truths[a.categoryID, default: [:]][a.imageID, default: []]
                .append(Truth(box: (b[0], b[1], b[0] + b[2] - 1, b[1] + b[3] - 1), difficult: a.isCrowd))
        }
        var detectionsByCategory = [Int: [COCODetection]]()
        for d in results.detections { detectionsByCategory[d.categoryID, default: []].append(d) }
        return groundTruth.categories.map(\.id).sorted().map { category in
            let byImage = truths[category] ?? [:]
            let positives = byImage.values.reduce(0) { $0 + $1.filter { !$0.difficult }.count }
            var detections = detectionsByCategory[category] ?? []
            let indexed = Array(detections.enumerated())
            detections = indexed.sorted { $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset) }
                .map(\.element)
            var taken = [Int: [Bool]]()
            for (image, boxes) in byImage { taken[image] = [Bool](repeating: false, count: boxes.count) }
            var tp = [Double](), fp = [Double]()
            tp.reserveCapacity(detections.count)
            fp.reserveCapacity(detections.count)
            for d in detections {
                let bb = (d.bbox[0], d.bbox[1], d.bbox[0] + d.bbox[2] - 1, d.bbox[1] + d.bbox[3] - 1)
                var best = -Double.infinity, match = -1
                for (g, truth) in (byImage[d.imageID] ?? []).enumerated() {
                    let gt = truth.box
                    let iw = max(min(gt.2, bb.2) - max(gt.0, bb.0) + 1, 0)
                    let ih = max(min(gt.3, bb.3) - max(gt.1, bb.1) + 1, 0)
                    let intersection = iw * ih
                    let union = (bb.2 - bb.0 + 1) * (bb.3 - bb.1 + 1) + (gt.2 - gt.0 + 1) * (gt.3 - gt.1 + 1) - intersection
                    let overlap = intersection / union
                    if overlap > best { best = overlap; match = g }
                }
                var isTP = 0.0, isFP = 0.0
                if best > overlapThreshold {
                    if !byImage[d.imageID]![match].difficult {
                        if !taken[d.imageID]![match] { isTP = 1; taken[d.imageID]![match] = true } else { isFP = 1 }
                    }
                } else {
                    isFP = 1
                }
                tp.append(isTP)
                fp.append(isFP)
            }
            guard positives > 0 else {
                return VOCCategoryAP(categoryID: category, positives: 0, detections: detections.count, elevenPoint: nil, allPoint: nil)
            }
            var recall = [Double](), precision = [Double]()
            var tpSum = 0.0, fpSum = 0.0
            for i in tp.indices {
                tpSum += tp[i]
                fpSum += fp[i]
                recall.append(tpSum / Double(positives))
                precision.append(tpSum / max(tpSum + fpSum, Double.ulpOfOne))
            }
            return VOCCategoryAP(categoryID: category, positives: positives, detections: detections.count,
                                 elevenPoint: elevenPointAP(recall: recall, precision: precision),
                                 allPoint: allPointAP(recall: recall, precision: precision))
        }
    }

    /// VOC2007's 11-point interpolated AP of a ranked list's recall and precision.
    public static func elevenPointAP(recall: [Double], precision: [Double]) -> Double {
        var ap = 0.0
        for i in 0...10 {
            let t = Double(i) * 0.1
            var p = 0.0
            for j in recall.indices where recall[j] >= t { p = max(p, precision[j]) }
            ap += p / 11
        }
        return ap
    }

    /// VOC2010+'s all-point AP: the area under the precision envelope.
    public static func allPointAP(recall: [Double], precision: [Double]) -> Double {
        let mrec = [0] + recall + [1]
        var mpre = [0] + precision + [0]
        for i in stride(from: mpre.count - 1, to: 0, by: -1) { mpre[i - 1] = max(mpre[i - 1], mpre[i]) }
        var ap = 0.0
        for i in 0..<(mrec.count - 1) where mrec[i + 1] != mrec[i] { ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1] }
        return ap
    }
}
