// DetectionEvaluationReport: everything `glimpse eval detections` reports, computed by the
// library so that trainers get the same figures: the COCO summary, per-category COCO AP and
// VOC AP, and the warnings about the reference's silent traps.
//
// Warnings (values, never printed here):
// - a ground-truth annotation with id 0: pycocotools cannot match it; Glimpse does (see
//   COCOEvaluation), so the figures can be higher than pycocotools' on the same files;
// - maxDets other than [1, 10, 100]: what the headline AP is computed at, and what
//   pycocotools' first line would say (-1 when 100 is not a maxDets, cocoapi#558);
// - categories without (non-crowd) ground truth: listed; their -1 is left out of every mean;
// - `segm` with ground truths that have no segmentation (IoU 0 for them; pycocotools fails);
// - an empty results file.

import GlimpseDatasets
import GlimpseSerialization

/// The scores of one category.
public struct DetectionCategoryScores: Sendable, Equatable {
    /// Category id.
    public var id: Int
    /// Category name.
    public var name: String
    /// Non-crowd ground truths.
    public var groundTruths: Int
    /// Crowd regions.
    public var crowdRegions: Int
    /// Detections.
    public var detections: Int
    /// COCO AP@[.5:.95] (area all, largest maxDets); nil without ground truth (-1 in pycocotools).
    public var averagePrecision: Double?
    /// COCO AP at IoU 0.5; nil without ground truth.
    public var averagePrecision50: Double?
    /// VOC2007 11-point AP at IoU > 0.5; nil without ground truth.
    public var vocElevenPoint: Double?
    /// VOC2010+ all-point AP at IoU > 0.5; nil without ground truth.
    public var vocAllPoint: Double?
}

/// A full detection evaluation: COCO summary, per-category AP, VOC AP and warnings.
public struct DetectionEvaluationReport: Sendable {
    /// Ground-truth file (as given).
    public var groundTruthFile: String
    /// Results file (as given).
    public var resultsFile: String
    /// The COCO tables and summary.
    public var accumulation: COCOAccumulation
    /// Images of the ground truth.
    public var imageCount: Int
    /// Ground-truth annotations (crowd included).
    public var annotationCount: Int
    /// Detections in the results file.
    public var detectionCount: Int
    /// Per category, ascending id.
    public var categories: [DetectionCategoryScores]
    /// Mean VOC 11-point AP over categories with ground truth; nil if there is none.
    public var vocElevenPointMean: Double?
    /// Mean VOC all-point AP over categories with ground truth; nil if there is none.
    public var vocAllPointMean: Double?
    /// The traps met, in words.
    public var warnings: [String]

    /// Evaluates `results` against `groundTruth` with `parameters`.
    public static func evaluate(groundTruth: COCOInstances, groundTruthFile: String, results: COCOResults,
                                parameters: COCOEvaluationParameters) -> DetectionEvaluationReport {
        let accumulation = COCOEvaluation.evaluate(groundTruth: groundTruth, results: results, parameters: parameters)
        let voc = VOCAveragePrecision.evaluate(groundTruth: groundTruth, results: results)
        var warnings = [String]()

        let idZero = groundTruth.annotations.filter { $0.id == 0 }
        if let a = idZero.first {
            warnings.append("ground-truth annotation id 0 (image \(a.imageID), category \(a.categoryID)): pycocotools stores matches as "
                + "annotation ids with 0 meaning 'unmatched', so it never counts this annotation as found (pytorch/vision#1530); "
                + "Glimpse matches it like any other, so these figures can be higher than pycocotools' on the same files")
        }
        let maxDets = parameters.maxDetections
        if !parameters.hasDefaultMaxDetections {
            let reference = accumulation.pycocotoolsHeadlineAP
            warnings.append("maxDets \(maxDets): every AP line here, the first included, is computed at maxDets=\(maxDets[2]); "
                + "pycocotools' first line (stats[0]) always asks for maxDets=100 and would read "
                + (reference < 0 ? "-1 (100 is not among the maxDets)" : String(format: "%.6f", reference)) + " (cocoapi#558)")
        }
        var detectionsPerCategory = [Int: Int]()
        for d in results.detections { detectionsPerCategory[d.categoryID, default: 0] += 1 }
        var regular = [Int: Int](), crowd = [Int: Int]()
        for a in groundTruth.annotations {
            if a.isCrowd { crowd[a.categoryID, default: 0] += 1 } else { regular[a.categoryID, default: 0] += 1 }
        }
        let names = Dictionary(groundTruth.categories.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var categories = [DetectionCategoryScores]()
        for (k, id) in accumulation.categoryIDs.enumerated() {
            let ap = accumulation.mean(averagePrecision: true, area: 0, maxDetections: accumulation.M - 1, category: k)
            let t50 = parameters.iouThresholds.firstIndex(of: 0.5)
            let ap50 = t50.map { accumulation.mean(averagePrecision: true, iou: $0, area: 0, maxDetections: accumulation.M - 1, category: k) } ?? -1
            let v = voc[k]
            categories.append(DetectionCategoryScores(
                id: id, name: names[id] ?? "", groundTruths: regular[id] ?? 0, crowdRegions: crowd[id] ?? 0,
                detections: detectionsPerCategory[id] ?? 0, averagePrecision: ap < 0 ? nil : ap,
                averagePrecision50: ap50 < 0 ? nil : ap50, vocElevenPoint: v.elevenPoint, vocAllPoint: v.allPoint))
        }
        let absent = categories.filter { $0.averagePrecision == nil }
        if !absent.isEmpty {
            warnings.append("\(absent.count) of \(categories.count) categories have no non-crowd ground truth and are left out of every mean "
                + "(pycocotools' -1): " + absent.map { "\($0.id) '\($0.name)' (\($0.detections) detections)" }.joined(separator: ", "))
        }
        if parameters.iouType == .segm {
            let missing = groundTruth.annotations.filter { $0.segmentation == nil }.count
            if missing > 0 {
                warnings.append("\(missing) ground-truth annotations have no segmentation: their mask IoU is 0 with every detection "
                    + "(pycocotools would stop with an error)")
            }
        }
        if results.detections.isEmpty {
            warnings.append("\(results.file) holds no detections: every AP and AR is 0 (pycocotools' loadRes fails on an empty list)")
        }
        let vocEleven = voc.compactMap(\.elevenPoint), vocAll = voc.compactMap(\.allPoint)
        return DetectionEvaluationReport(
            groundTruthFile: groundTruthFile, resultsFile: results.file, accumulation: accumulation,
            imageCount: groundTruth.images.count, annotationCount: groundTruth.annotations.count,
            detectionCount: results.detections.count, categories: categories,
            vocElevenPointMean: vocEleven.isEmpty ? nil : vocEleven.reduce(0, +) / Double(vocEleven.count),
            vocAllPointMean: vocAll.isEmpty ? nil : vocAll.reduce(0, +) / Double(vocAll.count),
            warnings: warnings)
    }

    /// The 12 COCO summary numbers.
    public var stats: [Double] { accumulation.stats }

    /// Everything as JSON: files, settings, the summary (values and pycocotools' lines), per
    /// category scores (null where there is no ground truth), VOC means and warnings.
    public func json() -> JSONValue {
        func number(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        let p = accumulation.parameters
        let keys = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
        let summary = accumulation.summary()
        return .object([
            ("ground_truth", .string(groundTruthFile)), ("results", .string(resultsFile)),
            ("iou_type", .string(p.iouType.rawValue)),
            ("max_dets", .array(p.maxDetections.map { .integer($0) })),
            ("images", .integer(imageCount)), ("annotations", .integer(annotationCount)), ("detections", .integer(detectionCount)),
            ("stats", .array(summary.map { .number($0.value) })),
            ("summary", .object(zip(keys, summary).map { ($0, .object([("value", .number($1.value)), ("line", .string($1.text))])) })),
            ("pycocotools_stats0", .number(accumulation.pycocotoolsHeadlineAP)),
            ("categories", .array(categories.map { c in
                .object([("id", .integer(c.id)), ("name", .string(c.name)), ("ground_truths", .integer(c.groundTruths)),
                         ("crowd_regions", .integer(c.crowdRegions)), ("detections", .integer(c.detections)),
                         ("AP", number(c.averagePrecision)), ("AP50", number(c.averagePrecision50)),
                         ("voc_ap_11point", number(c.vocElevenPoint)), ("voc_ap_allpoint", number(c.vocAllPoint))])
            })),
            ("voc", .object([("iou_threshold", .number(VOCAveragePrecision.overlapThreshold)),
                             ("map_11point", number(vocElevenPointMean)), ("map_allpoint", number(vocAllPointMean))])),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }
}
