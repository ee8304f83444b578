// `glimpse run` end to end through the built binary: a mixed folder (images of every kind,
// nested folders, a symlink loop, non-images, broken images), the bundled default, usage and
// pipeline-file errors, and a run killed with SIGKILL then resumed.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import GlimpseTestSupport
import Testing

@Suite("glimpse run", .serialized)
struct RunCommandTests {
    /// The classify pipeline with a pixel budget that refuses big.png.
    static let classifyYAML = """
        name: classify-small
        stages:
          decoder:
            use: image-file
            pixel_budget: 20000
          classifier:
            use: squeezenet
            weights: \(PipelineFixtures.root.path)/datasets/weights/squeezenet1_1.safetensors
        outputs:
          top: 5
          previews: true
        """

    @Test func mixedFolderProcessesTheImagesAndRecordsTheRest() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.classifyYAML.write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)

        let result = try PipelineFixtures.glimpse(["run", "p.yaml", "photos", "-o", "out", "--jobs", "2"], in: work)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        let out = work.appendingPathComponent("out")
        let ledger = try PipelineFixtures.ledger(out)
        let byPath = Dictionary(uniqueKeysWithValues: ledger.map { ($0["path"] as! String, $0) })
        // every file once, none through the loop or the second route to 2025/
        #expect(ledger.count == tree.good.count + tree.broken.count + tree.notImages.count, "\(ledger.map { $0["path"]! })")
        for good in tree.good {
            let entry = try #require(byPath["photos/" + good], "\(good) missing from the ledger")
            #expect(entry["status"] as? String == "ok", "\(good): \(entry)")
            let timings = try #require(entry["timings"] as? [String: Double])
            #expect(Set(timings.keys).isSuperset(of: ["read", "decoder", "classifier", "write"]), "\(timings)")
            #expect((entry["hash"] as? String)?.count == 16)
        }
        for (broken, reason) in tree.broken {
            let entry = try #require(byPath["photos/" + broken], "\(broken) missing from the ledger")
            #expect(entry["status"] as? String == "failed")
            let error = entry["error"] as? String ?? ""
            #expect(error.contains("photos/" + broken) && error.contains(reason), "\(broken): \(error)")
            #expect(result.stderr.contains("photos/" + broken), "the failure is reported as it happens")
        }
        for other in tree.notImages {
            #expect(byPath["photos/" + other]?["status"] as? String == "skipped", "\(other)")
        }

        // outputs mirror the tree; a.jpg and a.png in one folder do not collide
        for (good, json) in [("2024/a.jpg", "2024/a.json"), ("2024/a.png", "2024/a.png.json"), ("2024/deep/rgba.png", "2024/deep/rgba.json"),
                             ("2025/progressive.JPG", "2025/progressive.json"), ("rgb.png", "rgb.json")] {
            let data = try Data(contentsOf: out.appendingPathComponent("photos/" + json))
            let record = try ImageResult.read(out.appendingPathComponent("photos/" + json))
            let original = try ImageFile.read(tree.folder.appendingPathComponent(good).path)
            #expect(record.input == "photos/" + good)
            #expect(record.width == original.width && record.height == original.height)
            #expect(record.classes?.count == 5)
            #expect(!String(decoding: data, as: UTF8.self).contains("timings"))
            let preview = try ImageFile.read(out.appendingPathComponent("photos/" + json.dropLast(5) + ".preview.png").path)
            #expect(preview.width == original.width && preview.height == original.height)
        }
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("photos/broken/truncated.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("boxes.coco.json").path), "no box stage")

        // the report embeds one thumbnail per processed image and lists the failures
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.components(separatedBy: "<figure").count - 1 == tree.good.count)
        #expect(report.components(separatedBy: "data:image/jpeg;base64,/9j/").count - 1 == tree.good.count)
        for (broken, _) in tree.broken { #expect(report.contains("photos/" + broken)) }
    }

    @Test func noArgumentsRunTheBundledDefaultOnTheSamples() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try PipelineFixtures.glimpse(["run", "--quiet"], in: work)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "--quiet: \(result.stderr)")
        let chelsea = try ImageResult.read(work.appendingPathComponent("out/samples/chelsea.json"))
        #expect(chelsea.classes?.first?.label == "Egyptian cat")
        let coffee = try ImageResult.read(work.appendingPathComponent("out/samples/coffee.json"))
        #expect(coffee.classes?.first?.label == "espresso")
        // selective-search proposals: at most max_proposals per image, exported to COCO
        #expect((chelsea.proposals?.count ?? 0) > 10 && (chelsea.proposals?.count ?? 0) <= 100)
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("out"))
        #expect(ledger.filter { $0["status"] as? String == "ok" }.count == 14, "8 photos and masks, 6 scenes")
        #expect(ledger.filter { $0["status"] as? String == "skipped" }.count == 5, "xml, json (2) and provenance files")
    }

    /// The default run's proposals, exported to COCO, load in pycocotools. Skipped where python3
    /// is missing, unless tools are required.
    @Test(.enabled(if: ExternalTool.python3.testsRun, Comment(rawValue: ExternalTool.python3.skipReason)))
    func theDefaultRunsCOCOFilesLoadInPycocotools() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try PipelineFixtures.glimpse(["run", "--quiet"], in: work)
        #expect(result.status == 0, "\(result.stderr)")
        try GenericStageTests.checkWithPycocotools(work.appendingPathComponent("out"))
    }

    @Test func usageAndPipelineFileErrorsExitWithTwo() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try "stages:\n  clasifier: {use: squeezenet}\noutputs:\n  top: many\n".write(
            to: work.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        let bad = try PipelineFixtures.glimpse(["run", "bad.yaml", "-o", "out"], in: work)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml:2: stages.clasifier: unknown stage"), "\(bad.stderr)")
        #expect(bad.stderr.contains("bad.yaml:4: outputs.top: expected int"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("out").path), "nothing read or written")

        #expect(try PipelineFixtures.glimpse(["run", "missing.yaml", "x"], in: work).status == 2)
        #expect(try PipelineFixtures.glimpse(["run", "--jobs", "0"], in: work).status == 2)
        #expect(try PipelineFixtures.glimpse(["classify", "--top", "0", "x.png"], in: work).status == 2)
        #expect(try PipelineFixtures.glimpse(["no-such-command"], in: work).status == 2)
    }

    /// A cheap pipeline (decode, augment, previews and thumbnails) over `count` small images in
    /// nested folders, PNG and JPEG.
    static func manyImages(count: Int, in work: URL) throws {
        let cheap = """
            name: cheap
            stages:
              decoder: image-file
              augmenter:
                use: spec
                ops: flip,rotate:10,brightness:0.2
            outputs:
              previews: true
            """
        try cheap.write(to: work.appendingPathComponent("cheap.yaml"), atomically: true, encoding: .utf8)
        for index in 0..<count {
            let image = PipelineFixtures.image(width: 24, height: 20, channels: 3, seed: index)
            let folder = work.appendingPathComponent("many/\(index % 7)/\(index % 3)")
            if index % 2 == 0 {
                try PipelineFixtures.write(PNG.encode(image), to: folder.appendingPathComponent("i\(index).png"))
            } else {
                try PipelineFixtures.write(JPEG.encode(image), to: folder.appendingPathComponent("i\(index).jpg"))
            }
        }
    }

    @Test func killedRunResumesToTheSameOutputs() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let count = 400
        try Self.manyImages(count: count, in: work)

        let full = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "full", "--quiet"], in: work)
        #expect(full.status == 0, "\(full.stderr)")

        // start the same run, kill it with SIGKILL once part of it is in the ledger
        let process = Process()
        process.executableURL = try PipelineFixtures.glimpseExecutable()
        process.arguments = ["run", "cheap.yaml", "many", "-o", "killed", "--quiet"]
        process.currentDirectoryURL = work
        try process.run()
        let ledgerPath = work.appendingPathComponent("killed/ledger.jsonl").path
        var linesAtKill = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: ledgerPath, encoding: .utf8)) ?? ""
            linesAtKill = text.split(separator: "\n").count
            if linesAtKill >= 20 { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run ended before it was killed")
        #expect(linesAtKill >= 20 && linesAtKill < count, "killed at \(linesAtKill) of \(count)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("killed/report.html").path))

        let resumed = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "killed", "--resume", "--quiet"], in: work)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("killed"))
        #expect(ledger.count == count, "one line per input after the resume")
        let reused = ledger.filter { $0["resumed"] as? Bool == true }.count
        #expect(reused >= linesAtKill - 1 && reused < count, "\(reused) reused, \(linesAtKill) in the ledger at the kill")

        let expected = try PipelineFixtures.files(under: work.appendingPathComponent("full"), excluding: ["ledger.jsonl", "report.html"])
        let actual = try PipelineFixtures.files(under: work.appendingPathComponent("killed"), excluding: ["ledger.jsonl", "report.html"])
        #expect(expected.count == 3 * count, "JSON, preview and thumbnail per image")
        #expect(Set(actual.keys) == Set(expected.keys), "extra: \(Set(actual.keys).subtracting(expected.keys).sorted().prefix(5))")
        let different = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
        #expect(different.isEmpty, "differ: \(different.prefix(5))")
    }
}
