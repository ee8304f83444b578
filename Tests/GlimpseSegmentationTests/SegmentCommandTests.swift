// The segmenter through the command line: `glimpse train segmenter` on a generated scene set,
// `glimpse run` with the result, `glimpse eval segmentation` on the run's label maps; the shipped
// Pipelines/segment.yaml over the real VOC photos; and the bad inputs a user meets, each refused
// naming the file and the cause: a label map of another size, a class id beyond the classes, a
// palette PNG with a foreign palette.

import Foundation
import GlimpseImaging
import GlimpseSerialization
import GlimpseTestSupport
import Testing

@Suite("glimpse train segmenter, run, eval", .serialized)
struct SegmentCommandTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-segment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func trainsRunsAndEvaluatesOnScenes() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let root = URL(fileURLWithPath: segmentationTestsRoot)
        let scenes = work.appendingPathComponent("scenes").path
        let generated = try GlimpseProcess.run(["datasets", "scenes", "--out", scenes, "--splits", "8,4,4", "--max-objects", "2", "--seed", "5"],
                                               in: root)
        #expect(generated.status == 0, "\(generated.stderr)")
        let weights = work.appendingPathComponent("fcn.safetensors").path
        let trained = try GlimpseProcess.run(["train", "segmenter", "--data", scenes, "--net", "fcn-8s", "--epochs", "2",
                                              "--images-per-batch", "4", "--output", weights, "--quiet"], in: root)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("validation pixel acc") && trained.stdout.contains("mIoU"), "\(trained.stdout)")
        let metadata = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weights)).metadata
        #expect(metadata["segmenter.variant"] == "fcn-8s" && metadata["history"]?.split(separator: ";").count == 2)
        #expect(metadata["validation.mIoU"] != nil && metadata["segmenter.classes"]?.contains("\"9\"") == true)

        let pipeline = work.appendingPathComponent("segment.yaml")
        try "stages:\n  decoder:\n    use: image-file\n  segmenter:\n    use: fcn\n    weights: \(weights)\n    tile: 64\n"
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("out")
        let ran = try GlimpseProcess.run(["run", pipeline.path, scenes + "/test/images", "--output", out.path, "--quiet"], in: root)
        #expect(ran.status == 0, "\(ran.stderr)")
        // Outputs mirror the input folder (images/).
        let json = try String(contentsOf: out.appendingPathComponent("images/000000.json"), encoding: .utf8)
        #expect(json.contains("\"segmentation\"") && json.contains("000000.mask.png"), "\(json)")
        // The masks against the ground truth, matched by name.
        let predictions = work.appendingPathComponent("pred")
        try FileManager.default.createDirectory(at: predictions, withIntermediateDirectories: true)
        for i in 0..<4 {
            let name = String(format: "%06d", i)
            try FileManager.default.copyItem(at: out.appendingPathComponent("images/" + name + ".mask.png"), to: predictions.appendingPathComponent(name + ".png"))
        }
        let evaluated = try GlimpseProcess.run(["eval", "segmentation", "--gt", scenes + "/test/labels", "--pred", predictions.path], in: root)
        #expect(evaluated.status == 0 && evaluated.stdout.contains("mean IoU"), "\(evaluated.stdout)\n\(evaluated.stderr)")
    }

    @Test func theShippedSegmentPipelineRunsOverTheVOCPhotos() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        for stem in ["2011_000003", "2011_000025"] {
            try FileManager.default.copyItem(atPath: segmentationTestsRoot + "/datasets/samples/" + stem + ".jpg",
                                             toPath: work.appendingPathComponent(stem + ".jpg").path)
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-segment-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let ran = try GlimpseProcess.run(["run", segmentationTestsRoot + "/Pipelines/segment.yaml", work.path, "--output", out.path],
                                         in: URL(fileURLWithPath: segmentationTestsRoot))
        #expect(ran.status == 0 && ran.stderr.contains("2 ok") && ran.stderr.contains(" 0 failed"), "\(ran.stdout)\n\(ran.stderr)")
        let mirrored = out.appendingPathComponent(work.lastPathComponent)  // outputs mirror the input folder
        let map = try ImageFile.readLabelMap(mirrored.appendingPathComponent("2011_000003.mask.png").path)
        let image = try ImageFile.read(work.appendingPathComponent("2011_000003.jpg").path)
        #expect(map.width == image.width && map.height == image.height)
        #expect(FileManager.default.fileExists(atPath: mirrored.appendingPathComponent("2011_000003.preview.png").path))
    }

    @Test func aLargePhotoIsSegmentedInTilesWithinTheMemoryBound() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let root = URL(fileURLWithPath: segmentationTestsRoot)
        let photo = work.appendingPathComponent("photo.jpg").path
        let made = try GlimpseProcess.run(["image", "convert", segmentationTestsRoot + "/datasets/samples/2011_000025.jpg", photo,
                                           "--resize", "4000x3000"], in: root)
        #expect(made.status == 0, "\(made.stderr)")
        let out = work.appendingPathComponent("out")
        let ran = try GlimpseProcess.run(["run", segmentationTestsRoot + "/Pipelines/segment.yaml", photo, "--output", out.path], in: root)
        #expect(ran.status == 0, "\(ran.stderr)")
        let map = try ImageFile.readLabelMap(out.appendingPathComponent("photo.mask.png").path)
        #expect(map.width == 4000 && map.height == 3000)
        // The README's bound: 1 GiB of peak resident memory for a 4000 x 3000 photo, as the run's
        // summary line reports it (getrusage). Measured 240-250 MiB alone, 415 and 735 MiB in two
        // full, parallel test runs (unexplained: the allocator keeps freed memory,
        // Compute.configureAllocator, so the peak depends on the order of allocations).
        let reported = ran.stderr.components(separatedBy: "peak memory ").dropFirst().first?.split(separator: " ").first.flatMap { Int($0) }
        #expect(reported != nil && reported! <= 1024, "\(ran.stderr)")
    }

    /// A VOC folder of the two sample photos whose first label map `damage` rewrites.
    func brokenVOCFolder(_ damage: (_ path: String, _ map: LabelMap) throws -> Void) throws -> (URL, String) {
        let root = URL(fileURLWithPath: try sampleVOCFolder())
        let path = root.appendingPathComponent("SegmentationClass/2011_000003.png").path
        try damage(path, try ImageFile.readLabelMap(path))
        return (root, path)
    }

    func train(_ root: URL) throws -> GlimpseRun {
        try GlimpseProcess.run(["train", "segmenter", "--data", root.path, "--validation", "1", "--epochs", "1", "--quiet",
                                "--output", root.appendingPathComponent("s.safetensors").path],
                               in: URL(fileURLWithPath: segmentationTestsRoot))
    }

    @Test func aLabelMapOfAnotherSizeIsRefusedNamingIt() throws {
        let (root, path) = try brokenVOCFolder { path, map in try ImageFile.write(map.resized(width: 100, height: 80), to: path) }
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try train(root)
        #expect(run.status != 0 && run.stderr.contains(path) && run.stderr.contains("100x80"), "\(run.stderr)")
    }

    @Test func aClassIDBeyondTheClassesIsRefusedNamingIt() throws {
        let (root, _) = try brokenVOCFolder { path, map in
            var changed = map
            changed[10, 10] = 40  // VOC has 21 classes
            try ImageFile.write(changed, to: path)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try train(root)
        #expect(run.status != 0 && run.stderr.contains("2011_000003") && run.stderr.contains("class id 40"), "\(run.stderr)")
    }

    @Test func aForeignPaletteIsRefusedNamingIt() throws {
        let (root, path) = try brokenVOCFolder { path, map in
            // The same indices under a greyscale ramp: a colour image quantised to a palette looks like this.
            try ImageFile.write(map, palette: Palette(colors: (0..<256).map { [UInt8($0), UInt8($0), UInt8($0)] }), to: path)
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try train(root)
        #expect(run.status != 0 && run.stderr.contains(path) && run.stderr.contains("foreign palette"), "\(run.stderr)")
    }
}
