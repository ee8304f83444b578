// DetectionGoldenTests: Glimpse's COCO evaluation against pycocotools' COCOeval on the
// scene-made fixture (DetectionFixtures): the 12 summary numbers and every category's AP and
// AP50 within 1e-6, for bbox and segm and for the three kinds of results file; a changed
// maxDets; a ground-truth annotation with id 0. The reference is reference/coco_eval.py.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("Detection evaluation against pycocotools", .serialized,
       .enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
struct DetectionGoldenTests {
    static let tolerance = 1e-6

    /// Glimpse's report and pycocotools' numbers on the same files.
    func compare(_ results: String, _ iouType: COCOIoUType, in directory: String, maxDetections: [Int] = [1, 10, 100])
        throws -> (report: DetectionEvaluationReport, reference: JSONValue) {
        let gtPath = directory + "/gt.json", resultsPath = directory + "/\(results).json"
        let groundTruth = try COCOInstances.read(gtPath)
        let loaded = try COCOResults.read(resultsPath, groundTruth: groundTruth, groundTruthFile: gtPath)
        let report = DetectionEvaluationReport.evaluate(
            groundTruth: groundTruth, groundTruthFile: gtPath, results: loaded,
            parameters: COCOEvaluationParameters(iouType: iouType, maxDetections: maxDetections))
        let reference = try runDetectionReference("coco_eval.py", [gtPath, resultsPath, iouType.rawValue,
                                                                   maxDetections.map(String.init).joined(separator: ",")])
        return (report, reference)
    }

    /// The largest difference between Glimpse's and pycocotools' 12 stats and per-category AP/AP50.
    func maxDifference(_ report: DetectionEvaluationReport, _ reference: JSONValue, skipFirstStat: Bool = false,
                       label: String) throws -> Double {
        let theirs = try #require(reference["stats"]?.detectionNumbers)
        let ours = report.stats
        #expect(theirs.count == 12)
        var worst = 0.0
        for i in (skipFirstStat ? 1 : 0)..<12 {
            let expected = try #require(theirs[i])
            let difference = abs(ours[i] - expected)
            #expect(difference <= Self.tolerance, "\(label): stats[\(i)] Glimpse \(ours[i]) pycocotools \(expected)")
            worst = max(worst, difference)
        }
        guard case let .array(categories)? = reference["categories"] else { Issue.record("no categories"); return worst }
        #expect(categories.count == report.categories.count)
        for (c, entry) in zip(report.categories, categories) {
            #expect(entry["id"]?.doubleValue == Double(c.id))
            for (key, ours) in [("AP", c.averagePrecision), ("AP50", c.averagePrecision50)] {
                let expected = entry[key]?.doubleValue
                #expect((ours == nil) == (expected == nil), "\(label): category \(c.id) \(key): Glimpse \(String(describing: ours)) pycocotools \(String(describing: expected))")
                if let ours, let expected {
                    #expect(abs(ours - expected) <= Self.tolerance, "\(label): category \(c.id) \(key): Glimpse \(ours) pycocotools \(expected)")
                    worst = max(worst, abs(ours - expected))
                }
            }
        }
        return worst
    }

    @Test func summaryAndPerCategoryAPMatchPycocotoolsForBboxAndSegm() throws {
        let generator = try #require(detectionSceneGenerator)
        let fixture = DetectionFixture.make(generator)
        let directory = try detectionTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try fixture.write(to: directory)
        // The fixture is what it claims: crowds, polygons, empty images, every area range, a
        // category without ground truth, one image with more than 100 detections of a category.
        let annotations = fixture.groundTruth.annotations
        #expect(annotations.filter(\.isCrowd).count >= 5)
        #expect(annotations.filter { if case .polygons? = $0.segmentation { return true } else { return false } }.count >= 20)
        #expect(Set(annotations.map(\.imageID)).count <= 45)
        #expect(annotations.contains { $0.area < 32 * 32 } && annotations.contains { $0.area > 32 * 32 && $0.area < 96 * 96 }
                && annotations.contains { $0.area > 96 * 96 && !$0.isCrowd })
        #expect(!annotations.contains { $0.categoryID == 10 })

        var figures = [String]()
        for (results, iouType) in [("boxes", COCOIoUType.bbox), ("boxes", .segm), ("masks", .segm), ("masks", .bbox), ("mixed", .segm)] {
            let (report, reference) = try compare(results, iouType, in: directory)
            let worst = try maxDifference(report, reference, label: "\(results) \(iouType)")
            // Not a degenerate comparison: the figures are neither 0 nor 1.
            // Box results scored on masks (their box polygons against digit shapes) score low by nature.
            let floor = results == "boxes" && iouType == .segm ? 0.001 : 0.05
            #expect(report.stats[0] > floor && report.stats[0] < 0.95, "\(results) \(iouType): AP \(report.stats[0])")
            #expect(report.categories.last?.averagePrecision == nil)
            if results == "mixed" {
                // The command gives the same figures, on one thread or two.
                for threads in ["1", "2"] {
                    let out = directory + "/report-\(threads).json"
                    let run = try GlimpseProcess.run(["eval", "detections", "--gt", directory + "/gt.json", "--pred", directory + "/mixed.json",
                                                      "--iou-type", "segm", "--json", out, "--threads", threads])
                    #expect(run.status == 0, "\(run.stderr)")
                    let written = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: out))))
                    #expect(written["stats"]?.detectionNumbers == report.stats.map { Optional($0) }, "--threads \(threads)")
                }
            }
            figures.append("\(results)/\(iouType): AP \(String(format: "%.4f", report.stats[0])), max |diff| \(worst)")
        }
        print("golden vs pycocotools (\(fixture.groundTruth.images.count) images, \(annotations.count) annotations, "
              + "\(fixture.boxResults.count) detections): " + figures.joined(separator: "; "))
    }

    @Test func changedMaxDetsAgreeExceptTheHeadlineThatPycocotoolsAsksAt100() throws {
        let generator = try #require(detectionSceneGenerator)
        let directory = try detectionTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try DetectionFixture.make(generator, images: 24, seed: 9).write(to: directory)
        let (report, reference) = try compare("boxes", .bbox, in: directory, maxDetections: [1, 5, 20])
        _ = try maxDifference(report, reference, skipFirstStat: true, label: "maxDets 1,5,20")
        // pycocotools' stats[0] is -1 here; Glimpse reports AP at maxDets=20 (= its own
        // per-category means, checked against pycocotools' precision table) and warns.
        #expect(reference["stats"]?.detectionNumbers.first == -1)
        #expect(report.accumulation.pycocotoolsHeadlineAP == -1)
        let apAtLast = try #require(reference["ap_last_maxdet"]?.doubleValue)
        #expect(abs(report.stats[0] - apAtLast) <= Self.tolerance)
        #expect(report.warnings.contains { $0.contains("maxDets [1, 5, 20]") && $0.contains("-1") })
    }

    @Test func groundTruthIDZeroIsCountedAndWarnedAbout() throws {
        let generator = try #require(detectionSceneGenerator)
        let directory = try detectionTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var fixture = DetectionFixture.make(generator, images: 12, seed: 3)
        // A perfect top-scoring detection of the first regular annotation, which gets id 0 in
        // gt.json and an unused id in renumbered.json.
        let target = try #require(fixture.groundTruth.annotations.first { !$0.isCrowd })
        fixture.boxResults.insert(.object([("image_id", .integer(target.imageID)), ("category_id", .integer(target.categoryID)),
                                           ("bbox", .array(target.bbox.map { .number($0) })), ("score", .number(1))]), at: 0)
        var withZero = fixture.groundTruth, renumbered = fixture.groundTruth
        let at = withZero.annotations.firstIndex { $0.id == target.id }!
        withZero.annotations[at].id = 0
        renumbered.annotations[at].id = 100_000
        fixture.groundTruthJSON = withZero.json()
        try fixture.write(to: directory)
        try renumbered.write(to: directory + "/renumbered.json")
        let (report, referenceWithZero) = try compare("boxes", .bbox, in: directory)
        let referenceRenumbered = try runDetectionReference("coco_eval.py", [directory + "/renumbered.json", directory + "/boxes.json", "bbox"])
        // Glimpse on the id-0 file = pycocotools on the renumbered one; pycocotools on the
        // id-0 file misses the match (the trap is real) and Glimpse says so.
        let theirs = try #require(referenceRenumbered["stats"]?.detectionNumbers)
        for i in 0..<12 { #expect(abs(report.stats[i] - (theirs[i] ?? .nan)) <= Self.tolerance, "stats[\(i)]") }
        let trapped = try #require(referenceWithZero["stats"]?.detectionNumbers.first ?? nil)
        #expect(trapped < report.stats[0] - 1e-4)
        #expect(report.warnings.contains { $0.contains("annotation id 0") && $0.contains("pycocotools") })
    }
}
