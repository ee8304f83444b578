// EvalSegmentationCommandTests: `glimpse eval segmentation` end to end: a generated scene split
// (palette ground truth, names from its instances.json) against edited gray predictions, and
// every refusal with the file in the message and exit status 1 (inputs) or 2 (usage).

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("glimpse eval segmentation", .serialized)
struct EvalSegmentationCommandTests {
    /// A folder with `gt/` and `pred/` holding the given maps under the same names.
    func folders(_ maps: [(String, LabelMap, LabelMap)]) throws -> String {
        let directory = try SegmentationFixtures.temporaryDirectory()
        for (name, truth, prediction) in maps {
            try SegmentationFixtures.writePalette(truth, name, in: directory + "/gt")
            try SegmentationFixtures.writeGray(prediction, name, in: directory + "/pred")
        }
        return directory
    }

    func run(_ directory: String, _ extra: [String] = []) throws -> GlimpseRun {
        try GlimpseProcess.run(["eval", "segmentation", "--gt", directory + "/gt", "--pred", directory + "/pred"] + extra)
    }

    let square = LabelMap(width: 4, height: 2, ids: [0, 0, 1, 1, 2, 2, 255, 1])

    @Test func sceneSplitWithNamesFromItsInstancesFile() throws {
        let directory = try SegmentationFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let generate = try GlimpseProcess.run(["datasets", "scenes", "--out", directory, "--count", "4", "--split", "test", "--seed", "9"])
        try #require(generate.status == 0, "\(generate.stderr)")
        // Predictions: the ground truth with every digit-3 pixel (class 4) called background, as gray PNGs.
        let labels = directory + "/test/labels"
        var expected = ConfusionMatrix(classCount: 11)
        for name in try FileManager.default.contentsOfDirectory(atPath: labels) {
            let truth = try ImageFile.readLabelMap(labels + "/" + name)
            var prediction = truth
            prediction.ids = truth.ids.map { $0 == 4 || $0 == 255 ? 0 : $0 }
            try SegmentationFixtures.writeGray(prediction, name, in: directory + "/pred")
            expected.add(groundTruth: truth, prediction: prediction)
        }
        let report = directory + "/out.json"
        let run = try GlimpseProcess.run(["eval", "segmentation", "--gt", labels, "--pred", directory + "/pred", "--json", report])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("names from \(directory)/test/instances.json"))
        let metrics = SegmentationMetrics(expected)
        #expect(run.stdout.contains(String(format: "mean IoU                %.4f", metrics.meanIoU!)))
        #expect(run.stdout.contains("  0  background  "))
        let json = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: report))), file: report)
        #expect(json["metrics"]?["mean_iou"] == .number(metrics.meanIoU!))
        #expect(json["confusion_matrix"]?["ignored_pixels"] == .integer(expected.ignoredPixels))
        guard case let .array(classes)? = json["metrics"]?["classes"] else { Issue.record("no classes"); return }
        #expect(classes.count == 11 && classes[4]["name"] == .string("3"))
        // Class 4 (digit 3) is never predicted, so its IoU is 0 where it occurs.
        if expected.groundTruthPixels(4) > 0 { #expect(classes[4]["iou"] == .integer(0)) }
    }

    @Test func withoutNamesTheClassesRunToTheLargestIdFound() throws {
        let directory = try folders([("x.png", square, LabelMap(width: 4, height: 2, ids: [0, 0, 1, 3, 2, 2, 1, 1]))])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try run(directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("classes: 4, names from the label maps"))
        #expect(result.stdout.contains("pixel accuracy          0.8571"))
        // A predicted ignore label is not a class either: a miss, reported with its file.
        try SegmentationFixtures.writeGray(LabelMap(width: 4, height: 2, ids: [0, 0, 1, 255, 2, 2, 1, 1]), "x.png", in: directory + "/pred")
        let withIgnore = try run(directory)
        #expect(withIgnore.status == 0 && withIgnore.stdout.contains("classes: 3, names from the label maps"))
        #expect(withIgnore.stdout.contains("pixel accuracy          0.8571"))
        #expect(withIgnore.stderr.contains("1 predicted pixels in 1 files have values that are not classes (255; classes are 0-2), first \(directory)/pred/x.png"))
    }

    @Test func outOfRangePredictionsAreReportedWithTheirFile() throws {
        let directory = try folders([("x.png", square, LabelMap(width: 4, height: 2, ids: [0, 0, 1, 1, 2, 9, 0, 1]))])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try run(directory, ["--classes", "a,b,c"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: 1 predicted pixels in 1 files have values that are not classes (9; classes are 0-2), first \(directory)/pred/x.png"))
    }

    @Test func aLabelMapOfAnotherSizeIsRefusedNamingTheFile() throws {
        let directory = try folders([("sub/y.png", square, LabelMap(width: 3, height: 2, fill: 0))])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try run(directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/pred/sub/y.png: mismatch: the prediction is 3x2, its ground truth (\(directory)/gt/sub/y.png) 4x2"))
    }

    @Test func groundTruthWithoutPredictionIsRefusedWithTheCount() throws {
        let directory = try folders([("a.png", square, square), ("b.png", square, square), ("c.png", square, square)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["b.png", "c.png"] { try FileManager.default.removeItem(atPath: directory + "/pred/" + name) }
        let result = try run(directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/pred: b.png: mismatch: 2 of 3 ground-truth label maps have no prediction (b.png, c.png)"))
    }

    @Test func aPredictionFolderWithNoPathInCommonIsAnotherSplit() throws {
        let directory = try folders([("2011_000003.png", square, square)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.moveItem(atPath: directory + "/pred/2011_000003.png", toPath: directory + "/pred/2008_000001.png")
        let result = try run(directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/pred: mismatch: no relative path in common with the ground truth"))
        #expect(result.stderr.contains("a prediction folder for another split?"))
    }

    @Test func aFileThatIsNotAPNGIsRefusedNamingIt() throws {
        let directory = try folders([("a.png", square, square)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: directory + "/pred/a.png"))
        let result = try run(directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/pred/a.png: syntax: unknown format: no PNG signature"))
    }

    @Test func anRGBPNGIsNotALabelMap() throws {
        let directory = try folders([("a.png", square, square)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ImageFile.write(Image(width: 4, height: 2, fill: [1, 2, 3]), to: directory + "/gt/a.png")
        let result = try run(directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/gt/a.png: invalid entry: unsupported: a label map needs a palette or 8-bit gray PNG"))
    }

    @Test func groundTruthOutsideTheClassListIsRefusedNamingTheFile() throws {
        let directory = try folders([("a.png", square, square)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try run(directory, ["--classes", "bg,one"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory)/gt/a.png: mismatch: ground-truth value 2 (2 pixels) is neither a class (0-1) nor the ignore label 255"))
    }

    @Test func missingFoldersBadCOCOAndUnwritableJSONExitOne() throws {
        let directory = try folders([("a.png", square, square)])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = try GlimpseProcess.run(["eval", "segmentation", "--gt", directory + "/nope", "--pred", directory + "/pred"])
        #expect(missing.status == 1 && missing.stderr.contains("\(directory)/nope: unreadable: no such folder"))
        try Data("{\"images\": [".utf8).write(to: URL(fileURLWithPath: directory + "/bad.json"))
        let coco = try run(directory, ["--coco", directory + "/bad.json"])
        #expect(coco.status == 1 && coco.stderr.contains("\(directory)/bad.json"))
        let json = try run(directory, ["--json", directory + "/no/such/folder/out.json"])
        #expect(json.status == 1 && json.stderr.contains("\(directory)/no/such/folder/out.json: unwritable"))
        let empty = directory + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try GlimpseProcess.run(["eval", "segmentation", "--gt", empty, "--pred", directory + "/pred"])
        #expect(none.status == 1 && none.stderr.contains("\(empty): invalid entry: no .png label maps"))
    }

    @Test(arguments: [
        ["--ignore", "256"],
        ["--classes", "a,b", "--coco", "x.json"],
        ["--classes", "a,,b"],
    ])
    func usageErrorsExitTwo(_ extra: [String]) throws {
        let result = try GlimpseProcess.run(["eval", "segmentation", "--gt", "g", "--pred", "p"] + extra)
        #expect(result.status == 2, "\(extra): \(result.stderr)")
        let noFolders = try GlimpseProcess.run(["eval", "segmentation", "--gt", "g"])
        #expect(noFolders.status == 2)
    }
}
