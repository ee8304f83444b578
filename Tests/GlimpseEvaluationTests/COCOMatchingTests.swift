// COCOMatchingTests: the matching rules of pycocotools' evaluateImg/accumulate on hand-made
// cases whose AP follows by hand: crowd regions absorb detections, regular ground truths win
// over crowds, tied scores keep file order, detections outside an area range are ignored
// unless matched, IoU exactly 0.5 counts for COCO (>=) but not for VOC (>), maxDets caps.

import GlimpseDatasets
import GlimpseEvaluation
import Testing

/// Whether two figures agree to 1e-12 (a perfect AP is 1 / (1 + eps) in pycocotools' arithmetic).
private func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }

@Suite("COCO matching corner cases")
struct COCOMatchingTests {
    /// Ground truth on two 100x100 images with categories 1 and 2; boxes `[x, y, w, h]`.
    func groundTruth(_ boxes: [(image: Int, category: Int, box: [Double], crowd: Bool)]) -> COCOInstances {
        COCOInstances(
            images: [COCOImage(id: 1, fileName: "1.png", width: 100, height: 100), COCOImage(id: 2, fileName: "2.png", width: 100, height: 100)],
            categories: [COCOCategory(id: 1, name: "one"), COCOCategory(id: 2, name: "two")],
            annotations: boxes.enumerated().map { i, b in
                COCOAnnotation(id: i + 1, imageID: b.image, categoryID: b.category, bbox: b.box, area: b.box[2] * b.box[3], isCrowd: b.crowd)
            })
    }

    func evaluate(_ gt: COCOInstances, _ detections: [(image: Int, category: Int, box: [Double], score: Double)],
                  maxDetections: [Int] = [1, 10, 100]) -> DetectionEvaluationReport {
        let results = COCOResults(file: "results.json", detections: detections.enumerated().map { i, d in
            COCODetection(id: i + 1, imageID: d.image, categoryID: d.category, score: d.score, bbox: d.box, area: d.box[2] * d.box[3])
        })
        return DetectionEvaluationReport.evaluate(groundTruth: gt, groundTruthFile: "gt.json", results: results,
                                                  parameters: COCOEvaluationParameters(iouType: .bbox, maxDetections: maxDetections))
    }

    @Test func perfectDetectionsScoreOne() {
        let gt = groundTruth([(1, 1, [10, 10, 20, 20], false), (2, 2, [0, 0, 50, 60], false)])
        let report = evaluate(gt, [(1, 1, [10, 10, 20, 20], 0.9), (2, 2, [0, 0, 50, 60], 0.3)])
        #expect(zip(report.stats, [1, 1, 1, 1, 1, -1, 1, 1, 1, 1, 1, -1]).allSatisfy { close($0, $1) }, "\(report.stats)")
        #expect(close(report.vocElevenPointMean, 1) && close(report.vocAllPointMean, 1))
    }

    @Test func crowdRegionsAbsorbAnyNumberOfDetectionsWithoutFalsePositives() {
        let gt = groundTruth([(1, 1, [10, 10, 20, 20], false), (1, 1, [50, 50, 40, 40], true)])
        let inside: [(image: Int, category: Int, box: [Double], score: Double)] =
            [(1, 1, [55, 55, 5, 5], 0.95), (1, 1, [60, 70, 8, 8], 0.9), (1, 1, [80, 52, 6, 6], 0.85)]
        let report = evaluate(gt, inside + [(1, 1, [10, 10, 20, 20], 0.5)])
        #expect(close(report.stats[0], 1))
        // Without the crowd flag the three would be false positives ranked above the hit.
        var plain = gt
        plain.annotations.removeLast()
        let unprotected = evaluate(plain, inside + [(1, 1, [10, 10, 20, 20], 0.5)])
        #expect(abs(unprotected.stats[0] - 0.25) < 1e-12)
        #expect(report.categories[0].crowdRegions == 1 && report.categories[0].groundTruths == 1)
    }

    @Test func aRegularGroundTruthWinsOverACrowdRegionAndThenTheCrowdAbsorbs() {
        let gt = groundTruth([(1, 1, [10, 10, 40, 40], true), (1, 1, [10, 10, 40, 40], false)])
        let report = evaluate(gt, [(1, 1, [10, 10, 40, 40], 0.9), (1, 1, [10, 10, 40, 40], 0.8)])
        // First detection takes the regular one (TP), the second lands in the crowd (ignored).
        #expect(close(report.stats[0], 1) && close(report.stats[8], 1))
    }

    @Test func tiedScoresKeepFileOrder() {
        let gt = groundTruth([(1, 1, [10, 10, 20, 20], false)])
        let missFirst = evaluate(gt, [(1, 1, [70, 70, 20, 20], 0.5), (1, 1, [10, 10, 20, 20], 0.5)])
        let hitFirst = evaluate(gt, [(1, 1, [10, 10, 20, 20], 0.5), (1, 1, [70, 70, 20, 20], 0.5)])
        #expect(close(missFirst.stats[0], 0.5))
        #expect(close(hitFirst.stats[0], 1))
    }

    @Test func unmatchedDetectionsOutsideTheAreaRangeAreIgnored() {
        let gt = groundTruth([(1, 1, [10, 10, 10, 10], false)])  // area 100: small
        let report = evaluate(gt, [(1, 1, [40, 40, 50, 50], 0.9), (1, 1, [10, 10, 10, 10], 0.5)])  // a medium miss ranked first
        #expect(close(report.stats[0], 0.5))  // all: the miss counts
        #expect(close(report.stats[3], 1))  // small: the medium miss is ignored
        #expect(report.stats[4] == -1 && report.stats[5] == -1)  // no medium or large ground truth
    }

    @Test func iouExactlyOneHalfCountsForCOCOButNotForVOC() {
        let gt = groundTruth([(1, 1, [0, 0, 10, 10], false)])
        let report = evaluate(gt, [(1, 1, [0, 0, 10, 5], 0.9)])
        #expect(close(report.stats[1], 1) && close(report.stats[2], 0))
        #expect(abs(report.stats[0] - 0.1) < 1e-12)
        #expect(report.categories[0].vocElevenPoint == 0 && report.categories[0].vocAllPoint == 0)
    }

    @Test func detectionsOnImagesWithoutGroundTruthAreFalsePositives() {
        let gt = groundTruth([(1, 1, [10, 10, 20, 20], false)])
        let report = evaluate(gt, [(2, 1, [10, 10, 20, 20], 0.9), (1, 1, [10, 10, 20, 20], 0.5)])
        #expect(close(report.stats[0], 0.5))
    }

    @Test func categoriesWithoutGroundTruthAreListedAndLeftOutOfTheMeans() {
        let gt = groundTruth([(1, 1, [10, 10, 20, 20], false)])
        let report = evaluate(gt, [(1, 1, [10, 10, 20, 20], 0.9), (1, 2, [40, 40, 20, 20], 0.95)])
        #expect(close(report.stats[0], 1))
        #expect(report.categories[1].averagePrecision == nil && report.categories[1].vocAllPoint == nil)
        #expect(report.warnings.contains { $0.contains("2 'two'") && $0.contains("left out of every mean") })
        #expect(close(report.vocAllPointMean, 1))
    }

    @Test func maxDetsCapsDetectionsPerImageAndCategory() {
        let gt = groundTruth([(1, 1, [0, 0, 10, 10], false), (1, 1, [50, 50, 10, 10], false)])
        let report = evaluate(gt, [(1, 1, [0, 0, 10, 10], 0.9), (1, 1, [50, 50, 10, 10], 0.8)])
        #expect(close(report.stats[6], 0.5))  // AR@1: one of two found
        #expect(close(report.stats[7], 1))  // AR@10
        let capped = evaluate(gt, [(1, 1, [0, 0, 10, 10], 0.9), (1, 1, [50, 50, 10, 10], 0.8)], maxDetections: [1, 1, 1])
        // One hit of two at maxDets 1: precision 1 up to recall 0.5, i.e. 51 of the 101 recall points.
        #expect(abs(capped.stats[0] - 51.0 / 101) < 1e-12 && close(capped.stats[8], 0.5))
        #expect(capped.warnings.contains { $0.contains("maxDets [1, 1, 1]") && $0.contains("-1 (100 is not among the maxDets)") })
    }

    @Test func numpyLinspaceThresholds() {
        let p = COCOEvaluationParameters(iouType: .bbox)
        #expect(p.iouThresholds.count == 10 && p.recallThresholds.count == 101)
        // numpy.linspace(.5, .95, 10)[5] is exactly 0.75 and [3] is 0.65 (not 0.6500000000000001).
        #expect(p.iouThresholds[5] == 0.75 && p.iouThresholds[3] == 0.65 && p.iouThresholds[9] == 0.95)
        #expect(p.recallThresholds[7] == 0.07 && p.recallThresholds[100] == 1)
    }
}
