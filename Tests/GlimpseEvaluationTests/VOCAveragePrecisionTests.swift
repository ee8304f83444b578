// VOCAveragePrecisionTests: VOC AP at IoU 0.5 (11-point and all-point) against a numpy
// statement of py-faster-rcnn's voc_eval.py (reference/voc_ap.py) on the scene fixture, and the
// two interpolations on hand-computed curves.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseTestSupport
import Testing

@Suite("VOC average precision")
struct VOCAveragePrecisionTests {
    @Test func interpolationsOnAHandComputedCurve() {
        // Ranked hits: TP, FP, TP, FP with 2 positives: recall .5 .5 1 1, precision 1 .5 .667 .5.
        let recall = [0.5, 0.5, 1, 1], precision = [1, 0.5, 2.0 / 3, 0.5]
        // 11-point: t = 0...0.5 -> 1 (6 points), t = 0.6...1.0 -> 2/3 (5 points).
        #expect(abs(VOCAveragePrecision.elevenPointAP(recall: recall, precision: precision) - (6 + 5 * 2.0 / 3) / 11) < 1e-12)
        // All-point: 0.5 * 1 + 0.5 * 2/3.
        #expect(abs(VOCAveragePrecision.allPointAP(recall: recall, precision: precision) - (0.5 + 1.0 / 3)) < 1e-12)
        #expect(VOCAveragePrecision.allPointAP(recall: [], precision: []) == 0)
    }

    @Test(.enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
    func perCategoryAPMatchesVocEvalOnTheSceneFixture() throws {
        let generator = try #require(detectionSceneGenerator)
        let fixture = DetectionFixture.make(generator, images: 48, seed: 7)
        let directory = try detectionTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try fixture.write(to: directory)
        let groundTruth = try COCOInstances.read(directory + "/gt.json")
        let results = try COCOResults.read(directory + "/boxes.json", groundTruth: groundTruth, groundTruthFile: "gt.json")
        let ours = VOCAveragePrecision.evaluate(groundTruth: groundTruth, results: results)
        let reference = try runDetectionReference("voc_ap.py", [directory + "/gt.json", directory + "/boxes.json"])
        guard case let .array(theirs)? = reference["categories"] else { Issue.record("no categories"); return }
        #expect(theirs.count == ours.count)
        var worst = 0.0
        for (o, t) in zip(ours, theirs) {
            #expect(t["id"]?.doubleValue == Double(o.categoryID))
            for (mine, key) in [(o.elevenPoint, "ap11"), (o.allPoint, "ap")] {
                let expected = t[key]?.doubleValue
                #expect((mine == nil) == (expected == nil), "category \(o.categoryID) \(key)")
                if let mine, let expected {
                    #expect(abs(mine - expected) <= 1e-12, "category \(o.categoryID) \(key): \(mine) vs \(expected)")
                    worst = max(worst, abs(mine - expected))
                }
            }
        }
        #expect(ours.compactMap(\.allPoint).contains { $0 > 0.1 && $0 < 0.95 })
        print("VOC AP vs voc_eval statement: \(ours.count) categories, max |diff| \(worst)")
    }
}
