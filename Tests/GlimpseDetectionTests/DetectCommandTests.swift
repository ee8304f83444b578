// The detector through the command line, end to end: generated scenes -> `glimpse train
// detector` -> `glimpse run` with a detect pipeline -> `glimpse eval detections` on the
// run's COCO files (matched by file name) must find the training objects; and the errors a
// user meets: a folder without boxes, a detector pipeline without a proposer. On real photos:
// the VOC-mini folder (500x375 JPEGs, XML boxes, person/bus/car) trains until it finds its own
// objects, and the shipped detect pipeline runs over the VOC sample photos.

import Foundation
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("glimpse train detector, run, eval", .serialized)
struct DetectCommandTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-detect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func trainsRunsAndEvaluatesOnScenes() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let root = URL(fileURLWithPath: detectionTestsRoot)
        let scenes = work.appendingPathComponent("scenes").path
        let generated = try GlimpseProcess.run(["datasets", "scenes", "--out", scenes, "--splits", "12,4,4", "--max-objects", "2",
                                                "--seed", "5"], in: root)
        #expect(generated.status == 0, "\(generated.stderr)")
        let weights = work.appendingPathComponent("d.safetensors").path
        let trained = try GlimpseProcess.run([
            "train", "detector", "--data", scenes, "--epochs", "30", "--input-size", "128", "--hidden", "50", "--dropout", "0", "--learning-rate", "0.003",
            "--schedule", "constant", "--warmup-epochs", "0", "--max-proposals", "300", "--rois-per-image", "32",
            "--output", weights, "--quiet",
        ], in: root)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("validation AP"), "\(trained.stdout)")

        let pipeline = work.appendingPathComponent("detect.yaml")
        try """
            stages:
              proposer: {use: selective-search, mode: fast, max: 300}
              detector: {use: fast-rcnn, weights: \(weights)}
            outputs: {previews: true}
            """.write(to: pipeline, atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("out")
        let ran = try GlimpseProcess.run(["run", pipeline.path, scenes + "/train/images", "--output", out.path], in: root)
        #expect(ran.status == 0, "\(ran.stderr)")
        // The COCO files carry the training set's category ids and names.
        let coco = try JSONParser().parse([UInt8](try Data(contentsOf: out.appendingPathComponent("boxes.coco.json"))))
        guard case .array(let categories)? = coco["categories"] else { Issue.record("no categories"); return }
        #expect(categories.compactMap { $0["name"].flatMap { if case .string(let s) = $0 { s } else { nil } } } == (0...9).map(String.init))
        #expect(categories.compactMap { $0["id"]?.doubleValue } == (1...10).map(Double.init))

        let report = work.appendingPathComponent("eval.json").path
        let evaluated = try GlimpseProcess.run([
            "eval", "detections", "--gt", scenes + "/train/instances.json", "--pred", out.appendingPathComponent("boxes.results.json").path,
            "--images", out.appendingPathComponent("boxes.coco.json").path, "--json", report,
        ], in: root)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let summary = try JSONParser().parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: report))))
        let ap50 = summary["stats"].flatMap { if case .array(let s) = $0 { s[1].doubleValue } else { nil } }
        #expect((ap50 ?? 0) >= 0.8, "AP50 of the pipeline on its own training scenes: \(String(describing: ap50))\n\(evaluated.stdout)")
    }

    @Test func trainsOnRealVOCPhotosUntilItFindsItsOwnObjects() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let voc = detectionTestsRoot + "/datasets/voc-mini"
        let weights = work.appendingPathComponent("voc.safetensors").path
        // 2000 proposals: with 300, one of the nine objects has no proposal at IoU 0.5 and AP50 stops at 0.835.
        let trained = try GlimpseProcess.run([
            "train", "detector", "--data", voc, "--val", voc, "--epochs", "100", "--hidden", "50", "--learning-rate", "0.003",
            "--schedule", "constant", "--max-proposals", "2000", "--rois-per-image", "32", "--output", weights, "--quiet",
        ], in: URL(fileURLWithPath: detectionTestsRoot))
        #expect(trained.status == 0, "\(trained.stderr)")
        let metadata = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weights)).metadata
        let ap50 = metadata["validation.AP50"].flatMap(Double.init)
        #expect((ap50 ?? 0) >= 0.9, "AP50 on its own three VOC photos: \(String(describing: ap50))\n\(trained.stdout)")
        #expect(metadata["detector.categories"]?.contains("person") == true, "\(metadata)")
    }

    @Test func theShippedDetectPipelineRunsOverTheThreeVOCPhotos() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let photos = detectionTestsRoot + "/datasets/voc-mini/JPEGImages"
        let out = work.appendingPathComponent("out")
        let ran = try GlimpseProcess.run(["run", detectionTestsRoot + "/Pipelines/detect.yaml", photos, "--output", out.path],
                                         in: URL(fileURLWithPath: detectionTestsRoot))
        #expect(ran.status == 0 && ran.stderr.contains("3 ok") && ran.stderr.contains(" 0 failed"), "\(ran.stdout)\n\(ran.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("boxes.results.json").path))
    }

    @Test func aFolderWithoutBoxesIsRefusedNamingIt() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let image = URL(fileURLWithPath: detectionTestsRoot + "/datasets/samples/scenes/test-000000.png")
        try FileManager.default.copyItem(at: image, to: work.appendingPathComponent("a.png"))
        try FileManager.default.copyItem(at: image, to: work.appendingPathComponent("b.png"))
        try """
            {"images": [{"id": 1, "file_name": "a.png", "width": 128, "height": 128},
                        {"id": 2, "file_name": "b.png", "width": 128, "height": 128}],
             "categories": [{"id": 1, "name": "digit"}], "annotations": []}
            """.write(to: work.appendingPathComponent("annotations.json"), atomically: true, encoding: .utf8)
        let run = try GlimpseProcess.run(["train", "detector", "--data", work.path, "--validation", "1", "--epochs", "1", "--quiet",
                                          "--output", work.appendingPathComponent("d.safetensors").path],
                                         in: URL(fileURLWithPath: detectionTestsRoot))
        #expect(run.status != 0)
        #expect(run.stderr.contains(work.path) && run.stderr.contains("no object boxes"), "\(run.stderr)")
    }

    @Test func aDetectorWithoutAProposerIsRefusedAtLoad() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let pipeline = work.appendingPathComponent("p.yaml")
        try "stages:\n  detector: fast-rcnn\n".write(to: pipeline, atomically: true, encoding: .utf8)
        let run = try GlimpseProcess.run(["run", pipeline.path, detectionTestsRoot + "/datasets/samples/scenes", "--output",
                                          work.appendingPathComponent("out").path], in: URL(fileURLWithPath: detectionTestsRoot))
        #expect(run.status != 0)
        #expect(run.stderr.contains("p.yaml") && run.stderr.contains("needs region proposals"), "\(run.stderr)")
    }
}
