// DatasetsCommandTests: `glimpse datasets scenes | stats | show` run end to end on the built binary.

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseSerialization
import GlimpseTestSupport
import Testing

/// Runs the built `glimpse` binary (beside the test bundle) with `arguments` in the repository.
func runGlimpse(_ arguments: [String]) throws -> (status: Int32, stderr: String, stdout: String) {
    let run = try GlimpseProcess.run(arguments, in: URL(fileURLWithPath: repositoryRoot))
    return (run.status, run.stderr, run.stdout)
}

@Suite("glimpse datasets", .serialized)
struct DatasetsCommandTests {
    @Test func scenesStatsAndShowWork() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/set"
        let scenes = try runGlimpse(["datasets", "scenes", "--out", out, "--splits", "6,2,3", "--seed", "4", "--size", "64",
                                     "--max-objects", "3", "--threads", "1"])
        #expect(scenes.status == 0, "\(scenes.stderr)")
        #expect(scenes.stdout.contains("/train: 6 scenes") && scenes.stdout.contains("/test: 3 scenes"))
        let manifest = try JSONValue.read(out + "/dataset.json")
        #expect(manifest["seed"] == .number(4) && manifest["size"] == .number(64))
        let test = try SceneFolder(directory: out + "/test")
        #expect(test.count == 3)
        #expect(try test.item(at: 2).image?.width == 64)

        // A split added later with the same settings joins the manifest.
        let more = try runGlimpse(["datasets", "scenes", "--out", out, "--count", "2", "--split", "val", "--seed", "4", "--size", "64",
                                   "--max-objects", "3"])
        #expect(more.status == 0, "\(more.stderr)")
        #expect(try JSONValue.read(out + "/dataset.json")["splits"]
                == .object([("train", .number(6)), ("val", .number(2)), ("test", .number(3))]))

        let stats = try runGlimpse(["datasets", "stats", out])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("== \(out)/val"))
        #expect(stats.stdout.contains("images 6,"))
        #expect(stats.stdout.contains("vocabulary") && stats.stdout.contains("caption lengths:") && stats.stdout.contains("colours:"))

        let show = try runGlimpse(["datasets", "show", out, "--split", "test", "--index", "2", "--out", directory + "/show.png"])
        #expect(show.status == 0, "\(show.stderr)")
        let sheet = try ImageFile.read(directory + "/show.png")
        #expect(sheet.width == 3 * 64 * 3 + 2 * 4)  // image, masks and label-map panels
        #expect(sheet.height > 64 * 3)

        let voc = try runGlimpse(["datasets", "show", "datasets/voc-mini", "--index", "1", "--scale", "1", "--out", directory + "/voc.png"])
        #expect(voc.status == 0, "\(voc.stderr)")
        #expect(voc.stdout.contains("2011_000006.jpg") && voc.stdout.contains("4 boxes"))
    }

    @Test func malformedFilesAndBadOptionsFailWithAMessage() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = try writeText(#"{"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 8}], "categories": [{"id": 1, "name": "x"}], "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 9, 2]}]}"#,
                                named: "bad.json", in: directory)
        let stats = try runGlimpse(["datasets", "stats", bad])
        #expect(stats.status != 0)
        #expect(stats.stderr.contains("bad.json: annotation 5: field 'bbox'"), "\(stats.stderr)")
        let splits = try runGlimpse(["datasets", "scenes", "--out", directory + "/x", "--splits", "10,abc"])
        #expect(splits.status != 0 && splits.stderr.contains("--splits"))
        let missing = try runGlimpse(["datasets", "show", directory, "--out", directory + "/y.png"])
        #expect(missing.status != 0 && missing.stderr.contains(directory))
    }
}
