// Memory refused before it is allocated, and error lists capped (issue 19, item 9): a 50 MB
// pipeline file of unknown keys took 2.96 GB and printed 4.46 million error lines; an image the
// decoder admits but selective search cannot afford failed the process instead of the image.

import Foundation
import GlimpsePipeline
import GlimpseImaging
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Memory budgets", .serialized)
struct MemoryBudgetTests {
    @Test func aPipelineFileOverTheSizeCapIsRefusedBeforeReading() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let url = work.appendingPathComponent("huge.yaml")
        // 50 MB of unknown keys, written sparsely: the size is what is refused, before any read
        #expect(FileManager.default.createFile(atPath: url.path, contents: Data("name: huge\n".utf8)))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 50_000_000)
        try handle.close()
        do {
            _ = try PipelineFile.load(url.path, registry: .withTestStages)
            Issue.record("a 50 MB pipeline file was read")
        } catch let error as PipelineFileError {
            #expect(error.problems.count == 1, "\(error)")
            #expect(error.description.contains("50000000 bytes, over the limit of \(PipelineFile.maximumBytes)"), "\(error)")
        }
    }

    @Test func theListOfProblemsIsCapped() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let url = work.appendingPathComponent("keys.yaml")
        // under the size cap, 20,000 unknown keys
        let text = "stages:\n  decoder: image-file\n" + (0..<20_000).map { "k\($0): 1\n" }.joined()
        try text.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try PipelineFile.load(url.path, registry: .withTestStages)
            Issue.record("unknown keys were accepted")
        } catch let error as PipelineFileError {
            #expect(error.problems.count == PipelineFileError.maximumListed)
            #expect(error.omitted == 20_000 - PipelineFileError.maximumListed)
            let lines = error.description.split(separator: "\n")
            #expect(lines.count == PipelineFileError.maximumListed + 1)
            #expect(lines.last == "\(url.path): 19900 more problems not listed", "\(lines.last ?? "")")
        }
    }

    @Test func aFIFOAsThePipelineFileIsRefusedWithoutWaiting() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let fifo = work.appendingPathComponent("pipe.yaml").path
        #expect(mkfifo(fifo, 0o644) == 0)
        do {
            _ = try PipelineFile.load(fifo, registry: .withTestStages)
            Issue.record("a FIFO was read as a pipeline file")
        } catch let error as PipelineFileError {
            #expect(error.description.contains("a FIFO, not a regular file"), "\(error)")
        }
    }

    @Test func anImageSelectiveSearchCannotAffordFailsAloneAndTheRunGoesOn() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // 61 MiB: 60 MiB of base plus room for 13,107 pixels at 80 bytes each
        let yaml = "stages:\n  decoder: image-file\n  proposer: {use: selective-search, mode: single, memory_mb: 61}\n"
        try yaml.write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 200, height: 150, channels: 3, seed: 1)),
                                   to: work.appendingPathComponent("in/large.png"))
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 60, height: 40, channels: 3, seed: 2)),
                                   to: work.appendingPathComponent("in/small.png"))
        let run = try PipelineFixtures.glimpse(["run", "p.yaml", "in", "-o", "out", "--jobs", "1"], in: work)
        #expect(run.status == 1, "\(run.stderr)")
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("out"))
        let large = ledger.first { ($0["path"] as? String ?? "").hasSuffix("large.png") }
        let small = ledger.first { ($0["path"] as? String ?? "").hasSuffix("small.png") }
        #expect(small?["status"] as? String == "ok")
        #expect(large?["status"] as? String == "failed")
        #expect((large?["error"] as? String ?? "").contains("selective search on a 200x150 image needs about 63 MiB"),
                "\(String(describing: large))")
    }
}
