// SegmentationGoldenTests: the library and `glimpse eval segmentation` against an independent
// numpy computation (reference/segmentation_metrics.py, run in the project's venv through
// scripts/coco-venv.sh) on random label maps with ignore pixels, predictions that are not
// classes, and classes absent from the ground truth (5), from the prediction (6) and from both
// (7): counts equal, every figure within 1e-9. Skipped without python3 unless tools are required.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("Segmentation metrics against numpy", .serialized,
       .enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
struct SegmentationGoldenTests {
    static let tolerance = 1e-9

    /// Compares metrics (a JSON object as SegmentationMetrics.json writes it) with numpy's report.
    func expectAgreement(_ ours: JSONValue, _ numpy: JSONValue, classCount: Int) throws {
        for key in ["pixel_accuracy", "mean_class_accuracy", "mean_iou", "frequency_weighted_iou"] {
            let mine = try #require(ours[key]?.doubleValue, "\(key)"), theirs = try #require(numpy[key]?.doubleValue, "\(key)")
            #expect(abs(mine - theirs) <= Self.tolerance, "\(key): \(mine) vs numpy \(theirs)")
        }
        guard case let .array(classes)? = ours["classes"], case let .array(ious)? = numpy["class_iou"],
              case let .array(accuracies)? = numpy["class_accuracy"] else {
            Issue.record("missing per-class figures"); return
        }
        #expect(classes.count == classCount && ious.count == classCount)
        for i in 0..<min(classes.count, ious.count) {
            for (mine, theirs, what) in [(classes[i]["iou"], ious[i], "IoU"), (classes[i]["accuracy"], accuracies[i], "accuracy")] {
                switch (mine?.doubleValue, theirs.doubleValue) {
                case let (a?, b?): #expect(abs(a - b) <= Self.tolerance, "class \(i) \(what): \(a) vs \(b)")
                case (nil, nil): #expect(mine == .null && theirs == .null)
                default: Issue.record("class \(i) \(what): \(String(describing: mine)) vs numpy \(theirs)")
                }
            }
        }
    }

    @Test func libraryAgreesWithNumpy() throws {
        let directory = try SegmentationFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pairs = SegmentationFixtures.randomPairs(seed: 2015, count: 12)
        var matrix = ConfusionMatrix(classCount: 8)
        for pair in pairs { matrix.add(groundTruth: pair.truth, prediction: pair.prediction) }
        let numpy = try SegmentationFixtures.numpyReport(pairs, classCount: 8, ignore: 255, in: directory)
        // Counts exactly.
        let rows = (0..<8).map { g in JSONValue.array((0..<8).map { .integer(matrix[g, $0]) }) }
        #expect(numpy["rows"] == .array(rows))
        #expect(numpy["out_of_range_by_class"] == .array(matrix.outOfRangeByClass.map(JSONValue.integer)))
        #expect(numpy["ignored_pixels"] == .integer(matrix.ignoredPixels))
        #expect(numpy["unknown_ground_truth_pixels"] == .integer(matrix.unknownGroundTruthPixels))
        let metrics = SegmentationMetrics(matrix)
        try expectAgreement(metrics.json(names: (0..<8).map(String.init)), numpy, classCount: 8)
        // The case covers each convention: 5 only predicted (IoU 0, no accuracy), 6 never
        // predicted (IoU 0, accuracy 0), 7 in neither (left out), and misses outside the classes.
        #expect(metrics.classIoU[5] == 0 && metrics.classAccuracy[5] == nil)
        #expect(metrics.classIoU[6] == 0 && metrics.classAccuracy[6] == 0)
        #expect(metrics.classIoU[7] == nil && metrics.classesInMeanIoU == 7 && metrics.classesInMeanAccuracy == 6)
        #expect(matrix.outOfRangePredictions[9] > 0 && matrix.outOfRangePredictions[255] > 0 && matrix.ignoredPixels > 0)
        let mean = try #require(metrics.meanIoU)
        #expect(mean > 0.1 && mean < 0.9)
        print("numpy golden case: \(matrix.countedPixels) pixels, mIoU \(mean), pixel acc \(metrics.pixelAccuracy ?? .nan)")
    }

    @Test func commandOnPaletteAndGrayPNGsAgreesWithNumpy() throws {
        let directory = try SegmentationFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pairs = SegmentationFixtures.randomPairs(seed: 77, count: 8)
        // Ground truth as VOC-palette PNGs, predictions as gray PNGs, in nested folders.
        for (k, pair) in pairs.enumerated() {
            let name = (k % 2 == 0 ? "a/" : "b/c/") + "map\(k).png"
            try SegmentationFixtures.writePalette(pair.truth, name, in: directory + "/gt")
            try SegmentationFixtures.writeGray(pair.prediction, name, in: directory + "/pred")
        }
        let report = directory + "/report.json"
        let run = try GlimpseProcess.run(["eval", "segmentation", "--gt", directory + "/gt", "--pred", directory + "/pred",
                                          "--classes", "bg,one,two,three,four,five,six,seven", "--json", report])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("seven"))
        #expect(run.stderr.contains("values that are not classes (9, 255"))
        let ours = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: report))), file: report)
        let numpy = try SegmentationFixtures.numpyReport(pairs, classCount: 8, ignore: 255, in: directory)
        #expect(ours["label_maps"] == .integer(8))
        #expect(ours["confusion_matrix"]?["rows"] == numpy["rows"])
        #expect(ours["confusion_matrix"]?["out_of_range_by_class"] == numpy["out_of_range_by_class"])
        try expectAgreement(try #require(ours["metrics"]), numpy, classCount: 8)
    }
}
