// Bytes at the edges of the input formats (issue 19, item 13): a pipeline file may start with a
// UTF-8 byte-order mark, a pipeline file that is not UTF-8 is refused naming the file and the byte
// offset (not silently turned into U+FFFD), and a 0-byte image file is a failure, with the same
// reason, in both `run` and `classify`.

import Foundation
import GlimpsePipeline
import GlimpseStages
import GlimpseTestSupport
import Testing

@Suite("Input encodings and empty files", .serialized)
struct InputEncodingTests {
    static let yaml = "name: cheap\nstages:\n  decoder: image-file\n"

    @Test func aByteOrderMarkIsAccepted() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let url = work.appendingPathComponent("bom.yaml")
        try Data([0xEF, 0xBB, 0xBF] + Array(Self.yaml.utf8)).write(to: url)
        let file = try PipelineFile.load(url.path, registry: .withTestStages)
        #expect(file.name == "cheap")
    }

    @Test func latin1IsRefusedNamingTheFileAndTheByteOffset() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let url = work.appendingPathComponent("latin1.yaml")
        // "café" in Latin-1: the é is the single byte 0xE9, at offset 12 + 16 = 28, on line 2.
        let prefix = Array("name: cheap\ndescription: caf".utf8)
        try Data(prefix + [0xE9] + Array("\nstages:\n  decoder: image-file\n".utf8)).write(to: url)
        do {
            _ = try PipelineFile.load(url.path, registry: .withTestStages)
            Issue.record("a Latin-1 pipeline file was accepted")
        } catch let error as PipelineFileError {
            #expect(error.file == url.path)
            #expect(error.problems.count == 1 && error.problems.first?.line == 2, "\(error)")
            #expect(error.description.contains("not valid UTF-8") && error.description.contains("byte offset \(prefix.count)"),
                    "\(error)")
        }
    }

    @Test func aZeroBytePNGFailsAlikeInRunAndClassify() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.yaml.write(to: work.appendingPathComponent("cheap.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("photos"), withIntermediateDirectories: true)
        try Data().write(to: work.appendingPathComponent("photos/empty.png"))
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "photos", "-o", "out"], in: work)
        #expect(run.status == 1, "exit \(run.status): \(run.stderr)")
        let entry = try PipelineFixtures.ledger(work.appendingPathComponent("out")).first
        #expect(entry?["status"] as? String == "failed", "\(String(describing: entry))")
        #expect((entry?["error"] as? String ?? "").contains("photos/empty.png: empty: the file has no bytes"))
        #expect(run.stderr.contains("photos/empty.png: empty: the file has no bytes"), "\(run.stderr)")
        let classify = try PipelineFixtures.glimpse(["classify", "photos/empty.png"], in: work)
        #expect(classify.status == 1, "exit \(classify.status): \(classify.stderr)")
        #expect(classify.stderr.contains("photos/empty.png: empty: the file has no bytes"), "\(classify.stderr)")
    }
}
