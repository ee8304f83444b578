// No input name of any form places an output outside `-o` (issue 19, items 1, 2, 10 and the
// `..` naming of 13): a listed folder ending in `/..`, `.` and `..` on the command line, a stem
// that escapes handed straight to the runner, an empty `-o`, and `-o` equal to an input folder.

import Foundation
import GlimpseImaging
@testable import GlimpsePipeline
import Testing

@Suite("Outputs stay inside -o", .serialized)
struct OutputContainmentTests {
    /// Every file and folder under `folder`, relative, except those under `except`.
    static func snapshot(_ folder: URL, except: String) -> Set<String> {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var paths = Set<String>()
        while let relative = walker.nextObject() as? String {
            if relative != except && !relative.hasPrefix(except + "/") { paths.insert(relative) }
        }
        return paths
    }

    @Test func aListedFolderEndingInDotDotGetsItsRealNameAndStaysInside() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 3, in: work)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("many/0/sub"), withIntermediateDirectories: true)
        try "\(work.path)/many/0/sub/..\n".write(to: work.appendingPathComponent("list.txt"), atomically: true, encoding: .utf8)
        let before = Self.snapshot(work, except: "out")

        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "@list.txt", "-o", "out", "--quiet"], in: work)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.snapshot(work, except: "out") == before, "written outside -o")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("out/0/0/i0.json").path),
                "the folder many/0 is mirrored as 0: \(Self.snapshot(work.appendingPathComponent("out"), except: ".report").sorted())")
        for entry in try PipelineFixtures.ledger(work.appendingPathComponent("out")) {
            let stem = try #require(entry["output"] as? String)
            #expect(!stem.split(separator: "/").contains(".."), "\(stem)")
        }
    }

    @Test func dotAndDotDotOnTheCommandLineGetTheFolderName() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 3, in: work)
        let sub = work.appendingPathComponent("many/0/sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)

        let up = try PipelineFixtures.glimpse(["run", work.path + "/cheap.yaml", "..", "-o", work.path + "/up", "--quiet"], in: sub)
        #expect(up.status == 0, "\(up.stderr)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("up/0/0/i0.json").path),
                "\(Self.snapshot(work.appendingPathComponent("up"), except: ".report").sorted())")
        let here = try PipelineFixtures.glimpse(["run", work.path + "/cheap.yaml", ".", "-o", work.path + "/here", "--quiet"],
                                                in: work.appendingPathComponent("many/0"))
        #expect(here.status == 0, "\(here.stderr)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("here/0/0/i0.json").path),
                "\(Self.snapshot(work.appendingPathComponent("here"), except: ".report").sorted())")
    }

    @Test(arguments: ["../escape", "a/../../escape", "/tmp/escape-\(UUID().uuidString)", "", "."])
    func aStemThatWouldLeaveTheOutputFolderIsRefusedByTheWriter(stem: String) throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let image = work.appendingPathComponent("in/a.png")
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 16, height: 12, channels: 3, seed: 1)), to: image)
        let file = try PipelineFile.parse("stages:\n  proposer: quadrants\noutputs:\n  previews: true\n", file: "p.yaml",
                                          registry: .withTestStages) { _ in nil }
        let out = work.appendingPathComponent("out")
        let before = Self.snapshot(work, except: "out")
        let items = [InputItem(path: image.path, stem: stem, kind: .image)]
        let summary = try BatchRunner(pipeline: try Pipeline(file), items: items, options: BatchOptions(output: out, jobs: 1, resume: false)).run()
        #expect(summary.failed == 1)
        let entry = try #require(try PipelineFixtures.ledger(out).first)
        #expect((entry["error"] as? String ?? "").contains("outside the output folder"), "\(entry)")
        #expect(Self.snapshot(work, except: "out") == before)
        if stem.hasPrefix("/") { #expect(!FileManager.default.fileExists(atPath: stem + ".json")) }
    }

    @Test func anEmptyOutputFolderIsAUsageError() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        let before = Self.snapshot(work, except: "-")
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", ""], in: work)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("-o"), "\(run.stderr)")
        #expect(Self.snapshot(work, except: "-") == before, "nothing written")
    }

    /// `-o` naming an input folder, or a folder holding an input (`-o .` would put
    /// `many/0/0/i0.json` beside `many/0/0/i0.png`, like the empty `-o` did).
    @Test(arguments: [("many", "many"), ("many/", "many"), ("./many", "many"), (".", "many"), (".", "many/0/0/i0.png"), ("many/0", "many/0/0")])
    func anOutputFolderThatIsOrHoldsAnInputIsRefusedWithTheReason(output: String, input: String) throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        let before = Self.snapshot(work, except: "-")
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", input, "-o", output], in: work)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("is the output folder"), "\(run.stderr)")
        #expect(Self.snapshot(work, except: "-") == before, "nothing written")
    }
}
