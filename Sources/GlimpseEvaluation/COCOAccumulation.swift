// COCOAccumulation: pycocotools' `accumulate` and `summarize`: the precision and recall
// tables over (IoU threshold, recall threshold, category, area range, maxDets) and the
// 12-number summary, with the same -1 for "no ground truth here" and the same means.

import Foundation

/// Precision `[T, R, K, A, M]` and recall `[T, K, A, M]` tables of a COCO evaluation, -1 where
/// a category has no counted ground truth; and the summary read from them.
public struct COCOAccumulation: Sendable, Equatable {
    /// The settings used.
    public var parameters: COCOEvaluationParameters
    /// The ground truth's category ids, ascending (the K axis).
    public var categoryIDs: [Int]
    /// `[T, R, K, A, M]` row-major interpolated precision, -1 for absent categories.
    public var precision: [Double]
    /// `[T, K, A, M]` row-major recall, -1 for absent categories.
    public var recall: [Double]

    var T: Int { parameters.iouThresholds.count }
    var R: Int { parameters.recallThresholds.count }
    var K: Int { categoryIDs.count }
    var A: Int { parameters.areaRanges.count }
    var M: Int { parameters.maxDetections.count }

    /// Accumulates per-image matchings laid out `[K, A, I]`.
    static func accumulate(_ matchings: [ImageMatching?], parameters: COCOEvaluationParameters, categoryIDs: [Int],
                           imageCount: Int) -> COCOAccumulation {
        var result = COCOAccumulation(parameters: parameters, categoryIDs: categoryIDs, precision: [], recall: [])
        let (T, R, K, A, M) = (result.T, result.R, result.K, result.A, result.M)
        var precision = [Double](repeating: -1, count: T * R * K * A * M)
        var recall = [Double](repeating: -1, count: T * K * A * M)
        let recallThresholds = parameters.recallThresholds
        let spacing = Double.ulpOfOne  // numpy's np.spacing(1)
        for k in 0..<K {
            for a in 0..<A {
                let base = (k * A + a) * imageCount
                let images = (0..<imageCount).compactMap { matchings[base + $0] }
                if images.isEmpty { continue }
                let counted = images.reduce(0) { $0 + $1.countedTruths }
                if counted == 0 { continue }
                for (m, maxDet) in parameters.maxDetections.enumerated() {
                    // Every image's best `maxDet` detections, in image order, then stably by score.
                    var scores = [Double](), owner = [(image: Int, detection: Int)]()
                    for (n, image) in images.enumerated() {
                        for d in 0..<min(maxDet, image.scores.count) {
                            scores.append(image.scores[d])
                            owner.append((n, d))
                        }
                    }
                    var order = Array(scores.indices)
                    order.sort { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                    let nd = order.count
                    var rc = [Double](repeating: 0, count: nd), pr = [Double](repeating: 0, count: nd)
                    for t in 0..<T {
                        var tp = 0.0, fp = 0.0
                        for (position, index) in order.enumerated() {
                            let (n, d) = owner[index]
                            let image = images[n]
                            let D = image.scores.count
                            if !image.ignored[t * D + d] {
                                if image.matched[t * D + d] { tp += 1 } else { fp += 1 }
                            }
                            rc[position] = tp / Double(counted)
                            pr[position] = tp / (fp + tp + spacing)
                        }
                        recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1] : 0
                        // Precision made non-increasing from the right (the envelope).
                        if nd > 1 {
                            for i in stride(from: nd - 1, to: 0, by: -1) where pr[i] > pr[i - 1] { pr[i - 1] = pr[i] }
                        }
                        // searchsorted(rc, recThrs, 'left'): the first position reaching each threshold.
                        var position = 0
                        for (r, threshold) in recallThresholds.enumerated() {
                            while position < nd && rc[position] < threshold { position += 1 }
                            precision[(((t * R + r) * K + k) * A + a) * M + m] = position < nd ? pr[position] : 0
                        }
                    }
                }
            }
        }
        result.precision = precision
        result.recall = recall
        return result
    }

    // MARK: - Summary

    /// The mean of the precision (`averagePrecision`) or recall entries above -1 at an IoU
    /// threshold index (nil: all), area range index and maxDets index; -1 when none (as
    /// pycocotools' `_summarize`). `category` restricts to one K index.
    public func mean(averagePrecision: Bool, iou: Int? = nil, area: Int, maxDetections m: Int, category: Int? = nil) -> Double {
        var sum = 0.0, count = 0
        let ts = iou.map { [$0] } ?? Array(0..<T)
        let ks = category.map { [$0] } ?? Array(0..<K)
        for t in ts {
            for k in ks {
                if averagePrecision {
                    for r in 0..<R {
                        let v = precision[(((t * R + r) * K + k) * A + area) * M + m]
                        if v > -1 { sum += v; count += 1 }
                    }
                } else {
                    let v = recall[((t * K + k) * A + area) * M + m]
                    if v > -1 { sum += v; count += 1 }
                }
            }
        }
        return count == 0 ? -1 : sum / Double(count)
    }

    /// One line of the summary: what pycocotools' `summarize` prints, and the value.
    public struct SummaryLine: Sendable, Equatable {
        /// Precision (true) or recall.
        public var averagePrecision: Bool
        /// IoU threshold, nil for the mean over 0.50:0.95.
        public var iou: Double?
        /// Area range label.
        public var area: String
        /// maxDets.
        public var maxDetections: Int
        /// The value, -1 when nothing was counted.
        public var value: Double

        /// pycocotools' wording: " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.378".
        public var text: String {
            let title = (averagePrecision ? "Average Precision" : "Average Recall").padding(toLength: 18, withPad: " ", startingAt: 0)
            let kind = averagePrecision ? "(AP)" : "(AR)"
            let iouText = (iou.map { String(format: "%0.2f", $0) } ?? "0.50:0.95").padding(toLength: 9, withPad: " ", startingAt: 0)
            let areaText = String(repeating: " ", count: max(0, 6 - area.count)) + area
            let maxText = String(format: "%3d", maxDetections)
            return " \(title) \(kind) @[ IoU=\(iouText) | area=\(areaText) | maxDets=\(maxText) ] = \(String(format: "%0.3f", value))"
        }
    }

    /// The 12 lines of pycocotools' detection summary (`stats`), in its order: AP, AP50, AP75,
    /// AP small/medium/large, AR@maxDets[0], [1], [2], AR small/medium/large. All are computed
    /// at maxDets[2] except the two AR@ lines; unlike pycocotools, whose first line always asks
    /// for maxDets=100 (-1 when 100 is not among the maxDets), the headline AP is at maxDets[2]
    /// too (`pycocotoolsHeadlineAP` gives the reference's value).
    public func summary() -> [SummaryLine] {
        let maxDets = parameters.maxDetections
        let last = M - 1
        let t50 = parameters.iouThresholds.firstIndex(of: 0.5), t75 = parameters.iouThresholds.firstIndex(of: 0.75)
        func line(_ ap: Bool, _ iou: Int?, _ iouValue: Double?, _ area: Int, _ m: Int) -> SummaryLine {
            let value = (iouValue != nil && iou == nil) ? -1 : mean(averagePrecision: ap, iou: iou, area: area, maxDetections: m)
            return SummaryLine(averagePrecision: ap, iou: iouValue, area: parameters.areaRanges[area].label,
                               maxDetections: maxDets[m], value: value)
        }
        return [
            line(true, nil, nil, 0, last), line(true, t50, 0.5, 0, last), line(true, t75, 0.75, 0, last),
            line(true, nil, nil, 1, last), line(true, nil, nil, 2, last), line(true, nil, nil, 3, last),
            line(false, nil, nil, 0, 0), line(false, nil, nil, 0, 1), line(false, nil, nil, 0, last),
            line(false, nil, nil, 1, last), line(false, nil, nil, 2, last), line(false, nil, nil, 3, last),
        ]
    }

    /// The 12 summary numbers (`COCOeval.stats`).
    public var stats: [Double] { summary().map(\.value) }

    /// What pycocotools' `stats[0]` reports: AP at maxDets=100 whatever the maxDets are, -1
    /// when 100 is not among them (cocoapi#558).
    public var pycocotoolsHeadlineAP: Double {
        guard let m = parameters.maxDetections.firstIndex(of: 100) else { return -1 }
        return mean(averagePrecision: true, area: 0, maxDetections: m)
    }
}
