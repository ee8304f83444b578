// The runner with every stage kind filled by test-only conformances: boxes go to the COCO
// files (checked with pycocotools), captions to captions.jsonl, label maps to PNGs, and all
// of it into the per-image JSON, previews and report, without the runner knowing the models.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import GlimpseStages
import GlimpseTestSupport
import Testing

@Suite("Runner with every stage kind", .serialized)
struct GenericStageTests {
    static let yaml = """
        name: everything
        stages:
          decoder: image-file
          proposer: quadrants
          detector:
            use: brightness
            threshold: 100
          segmenter: {use: threshold}
          captioner: size
        outputs:
          proposals: true
          previews: true
        """

    static func run(_ yaml: String, over folder: URL, into out: URL, jobs: Int = 2) throws -> (RunSummary, [InputItem]) {
        let file = try PipelineFile.parse(yaml, file: "test.yaml", registry: .withTestStages) { _ in nil }
        let pipeline = try Pipeline(file)
        let items = InputScanner.scan([folder.path]) { pipeline.decoder.recognises($0) }
        let runner = BatchRunner(pipeline: pipeline, items: items, options: BatchOptions(output: out, jobs: jobs, resume: false))
        return (try runner.run(), items)
    }

    @Test func everyStageKindReachesItsOutputs() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let (summary, _) = try Self.run(Self.yaml, over: tree.folder, into: out)
        // big.png decodes here (no pixel budget), so one more image than in the CLI test
        #expect(summary.ok == tree.good.count + 1)
        #expect(summary.failed == tree.broken.count - 1)
        #expect(summary.skipped == tree.notImages.count)

        // per-image JSON holds what the stages returned
        let original = try ImageFile.read(tree.folder.appendingPathComponent("rgb.png").path)
        let record = try ImageResult.read(out.appendingPathComponent("photos/rgb.json"))
        let proposals = try QuadrantProposer().propose(StageInput(image: original))
        let detections = try BrightnessDetector(threshold: 100).detect(StageInput(image: original, proposals: proposals))
        #expect(record.proposals?.map(\.box.x1) == proposals.map(\.x1))
        #expect(record.detections?.map(\.label) == detections.map(\.label))
        #expect(record.detections?.map(\.category) == detections.map { ["dark", "bright"][$0.label] })
        #expect(record.captions?.first?.text == "a 40 by 30 image")
        let expectedMap = try ThresholdSegmenter().segment(StageInput(image: original))
        let mask = try ImageFile.readLabelMap(out.appendingPathComponent("photos/rgb.mask.png").path)
        #expect(mask == expectedMap)
        #expect(record.segmentation?.labelMap == "photos/rgb.mask.png")
        #expect(record.segmentation?.ids == expectedMap.presentIDs.map(Int.init))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("photos/rgb.preview.png").path))

        // captions.jsonl: one line per processed image, in input order
        let captions = try String(contentsOf: out.appendingPathComponent("captions.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(captions.count == summary.ok)
        #expect(captions.first?.contains("\"caption\":\"a 48 by 32 image\"") == true, "\(captions.first ?? "")")

        // COCO files: categories from the detector, one box per detection
        let dataset = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("boxes.coco.json"))) as! [String: Any]
        let categories = (dataset["categories"] as! [[String: Any]]).map { $0["name"] as! String }
        #expect(categories == ["dark", "bright"])
        #expect((dataset["images"] as! [Any]).count == summary.ok)
        #expect((dataset["annotations"] as! [Any]).count == 5 * summary.ok)

        // the report shows the caption and the failures
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("a 40 by 30 image"))
        #expect(report.contains("5 boxes, best"))
    }

    /// The COCO files load in pycocotools (scripts/check-coco.sh, in a private venv) and score
    /// AP 1 against themselves. Skipped where python3 is missing, unless tools are required.
    @Test(.enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
    func cocoFilesLoadInPycocotools() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let (summary, _) = try Self.run(Self.yaml, over: tree.folder, into: out)
        #expect(summary.ok > 0)
        try Self.checkWithPycocotools(out)
    }

    /// Runs scripts/check-coco.sh on a run's COCO files; throws when python3 is missing.
    static func checkWithPycocotools(_ out: URL) throws {
        _ = try ExternalTool.python3.require()
        let process = Process()
        process.executableURL = PipelineFixtures.root.appendingPathComponent("scripts/check-coco.sh")
        process.arguments = [out.appendingPathComponent("boxes.coco.json").path, out.appendingPathComponent("boxes.results.json").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("check-coco: ok"), "\(text)")
    }

    @Test func aStageThatThrowsFailsThatImageAndTheRunGoesOn() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let (summary, _) = try Self.run("stages:\n  proposer: quadrants\n  captioner: failing\n", over: tree.folder, into: out)
        #expect(summary.ok == 0)
        #expect(summary.failed == tree.good.count + tree.broken.count)
        let ledger = try PipelineFixtures.ledger(out)
        let failure = ledger.first { $0["path"] as? String == tree.folder.appendingPathComponent("rgb.png").path }
        #expect((failure?["error"] as? String)?.contains("this captioner always fails") == true)
        // the run-wide files still exist, empty
        let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("boxes.results.json"))) as! [Any]
        #expect(results.isEmpty)
        #expect(try String(contentsOf: out.appendingPathComponent("captions.jsonl"), encoding: .utf8).isEmpty)
    }

    @Test func outputsDoNotDependOnTheNumberOfJobs() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        _ = try Self.run(Self.yaml, over: tree.folder, into: work.appendingPathComponent("one"), jobs: 1)
        _ = try Self.run(Self.yaml, over: tree.folder, into: work.appendingPathComponent("three"), jobs: 3)
        let one = try PipelineFixtures.files(under: work.appendingPathComponent("one"), excluding: ["ledger.jsonl"])
        let three = try PipelineFixtures.files(under: work.appendingPathComponent("three"), excluding: ["ledger.jsonl"])
        #expect(one.count > 30)
        #expect(one == three)
    }
}
