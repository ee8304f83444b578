// DetectionInputErrorTests: every bad results file is an EvaluationError naming the file and
// the result index, and `glimpse eval detections` exits 1 for bad inputs and 2 for usage
// errors, 0 with the table and the JSON report otherwise.

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("Detection inputs: errors and the command")
struct DetectionInputErrorTests {
    static let groundTruth = COCOInstances(
        images: [COCOImage(id: 3, fileName: "3.png", width: 40, height: 30)],
        categories: [COCOCategory(id: 1, name: "cat"), COCOCategory(id: 2, name: "dog")],
        annotations: [COCOAnnotation(id: 1, imageID: 3, categoryID: 1, bbox: [5, 5, 10, 10], area: 100)])

    /// The error reading `text` as results, or nil if it loads.
    func error(_ text: String) throws -> EvaluationError? {
        let directory = try detectionTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/results.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try COCOResults.read(path, groundTruth: Self.groundTruth, groundTruthFile: "gt.json")
            return nil
        } catch {
            #expect(error.file == path)
            return error
        }
    }

    static let cases: [(text: String, kind: EvaluationError.Kind, entry: String?, words: String)] = [
        ("[{\"image_id\": 3,", .syntax, nil, "line 1"),
        ("{\"image_id\": 3}", .invalidEntry, nil, "JSON array"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 0.5}, 7]", .invalidEntry, "result 1", "object"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3, 4]}]", .invalidEntry, "result 0", "'score' is missing"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": \"high\"}]", .invalidEntry, "result 0", "'score'"),
        ("[{\"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 1}]", .invalidEntry, "result 0", "'image_id' is missing"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 1}, {\"image_id\": 907, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 1}]",
         .mismatch, "result 1", "image id 907 is not in the ground truth (gt.json): a prediction file for another split?"),
        ("[{\"image_id\": 3, \"category_id\": 9, \"bbox\": [1, 2, 3, 4], \"score\": 1}]", .mismatch, "result 0", "category id 9"),
        ("[{\"image_id\": 3.5, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 1}]", .invalidEntry, "result 0", "integer"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3], \"score\": 1}]", .invalidEntry, "result 0", "4 numbers"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, -3, 4], \"score\": 1}]", .invalidEntry, "result 0", "negative"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 1}, {\"image_id\": 3, \"category_id\": 1, \"score\": 1}]",
         .invalidEntry, "result 1", "'bbox' is missing"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"segmentation\": {\"size\": [40, 30], \"counts\": \"0\"}, \"score\": 1}]",
         .mismatch, "result 0", "expected [30, 40]"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"segmentation\": {\"size\": [30, 40], \"counts\": \"!!\"}, \"score\": 1}]",
         .invalidEntry, "result 0", "malformed compressed RLE"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"segmentation\": {\"size\": [30, 40], \"counts\": [5, 3]}, \"score\": 1}]",
         .invalidEntry, "result 0", "summing to 1200"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"segmentation\": [[1, 2, 3, 4]], \"score\": 1}]", .invalidEntry, "result 0", "at least 6"),
        ("[{\"image_id\": 3, \"category_id\": 1, \"segmentation\": {\"size\": [30, 40], \"counts\": [1100, 50, 50]}, \"score\": 1}, {\"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": 1}]",
         .invalidEntry, "result 1", "'segmentation' is missing"),
    ]

    @Test(arguments: 0..<cases.count)
    func badResultsNameTheFileAndTheEntry(_ index: Int) throws {
        let c = Self.cases[index]
        let error = try #require(try error(c.text), "case \(index) loaded")
        #expect(error.kind == c.kind, "case \(index): \(error)")
        #expect(error.entry == c.entry, "case \(index): \(error)")
        #expect(error.description.contains(c.words), "case \(index): \(error)")
    }

    @Test func validResultsOfEveryKindLoad() throws {
        #expect(try error("[]") == nil)
        #expect(try error("[{\"image_id\": 3, \"category_id\": 2, \"bbox\": [1, 2, 3, 4], \"score\": 0}]") == nil)
        #expect(try error("[{\"image_id\": 3, \"category_id\": 1, \"segmentation\": {\"size\": [30, 40], \"counts\": [1100, 50, 50]}, \"score\": 1}]") == nil)
    }

    /// Writes the ground truth and `results` into a new folder; returns (folder, gt, results).
    func files(_ results: String) throws -> (String, String, String) {
        let directory = try detectionTemporaryDirectory()
        try Self.groundTruth.write(to: directory + "/gt.json")
        try Data(results.utf8).write(to: URL(fileURLWithPath: directory + "/results.json"))
        return (directory, directory + "/gt.json", directory + "/results.json")
    }

    @Test func commandPrintsPycocotoolsLinesAndWritesTheJSONReport() throws {
        let (directory, gt, results) = try files("[{\"image_id\": 3, \"category_id\": 1, \"bbox\": [5, 5, 10, 10], \"score\": 0.5}, {\"image_id\": 3, \"category_id\": 2, \"bbox\": [5, 5, 10, 10], \"score\": 0.4}]")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try GlimpseProcess.run(["eval", "detections", "--gt", gt, "--pred", results, "--json", directory + "/out.json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000"))
        #expect(run.stdout.contains(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000"))
        #expect(run.stdout.contains("warning: 1 of 2 categories have no non-crowd ground truth"))
        let report = try JSONParser().parse(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/out.json"))))
        #expect(abs((report["stats"]?.detectionNumbers.first ?? nil).map { $0 - 1 } ?? 1) < 1e-12)
        #expect(report["iou_type"] == .string("bbox"))
        guard case let .array(warnings)? = report["warnings"], case let .array(categories)? = report["categories"] else {
            Issue.record("report lacks warnings or categories"); return
        }
        #expect(warnings.count == 1)
        #expect(categories.count == 2 && categories[1]["AP"] == .null && categories[0]["voc_ap_allpoint"] == .number(1))
    }

    @Test func commandExitsOneNamingTheFileAndEntryForBadInputs() throws {
        let (directory, gt, results) = try files("[{\"image_id\": 4, \"category_id\": 1, \"bbox\": [5, 5, 10, 10], \"score\": 0.5}]")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try GlimpseProcess.run(["eval", "detections", "--gt", gt, "--pred", results])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(results): result 0: mismatch: image id 4 is not in the ground truth"))
        // A broken ground truth: the COCO reader's error, naming that file.
        try Data("{\"images\": [".utf8).write(to: URL(fileURLWithPath: gt))
        let broken = try GlimpseProcess.run(["eval", "detections", "--gt", gt, "--pred", results])
        #expect(broken.status == 1 && broken.stderr.contains(gt))
        let missing = try GlimpseProcess.run(["eval", "detections", "--gt", directory + "/none.json", "--pred", results])
        #expect(missing.status == 1 && missing.stderr.contains("none.json"))
    }

    @Test(arguments: [["--iou-type", "keypoints"], ["--max-dets", "10,1,100"], ["--max-dets", "1,10"], ["--bogus"]])
    func commandExitsTwoForUsageErrors(_ extra: [String]) throws {
        let (directory, gt, results) = try files("[]")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try GlimpseProcess.run(["eval", "detections", "--gt", gt, "--pred", results] + extra)
        #expect(run.status == 2, "\(extra): \(run.stderr)")
        let noGroundTruth = try GlimpseProcess.run(["eval", "detections", "--pred", results])
        #expect(noGroundTruth.status == 2)
    }
}
