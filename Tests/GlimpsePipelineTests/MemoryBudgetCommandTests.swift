// The memory budgets of issue 19, item 9, through `glimpse run`, the interface the tree had before
// and after the fix, so that scripts/regressions-before-fix.sh can show each of them failing on
// the unfixed tree (MemoryBudgetTests checks the same through the API the fix added): a pipeline
// file over the size cap is refused unread, in one line (a 50 MB one took 2.96 GB and printed 4.46
// million lines); a pipeline file's problems are listed up to 100; a FIFO given as the pipeline
// file is refused naming the cause (before the fix: "cannot read the file", no reason; it did not
// hang); an image selective search cannot afford at its default budget fails alone instead of
// killing the process (a 10000x10000 PNG under a 3 GB cap aborted with "failed to allocate").
// Standard error is not put into an expectation whole: before the fix it has 80,000 lines.

import Foundation
import GlimpseImaging
import GlimpseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Memory budgets through glimpse run", .serialized)
struct MemoryBudgetCommandTests {
    /// `glimpse ARGUMENTS` in `work` under `/usr/bin/prlimit` limits, killed after `seconds`.
    static func glimpse(_ arguments: [String], in work: URL, seconds: Int = 120,
                        limits: [String] = []) throws -> GlimpseRun {
        let glimpse = try PipelineFixtures.glimpseExecutable()
        let bounded = ["-s", "KILL", "\(seconds)", "/usr/bin/prlimit"] + limits + [glimpse.path] + arguments
        return try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/timeout"), bounded, in: work)
    }

    @Test func aPipelineFileOverTheSizeCapIsRefusedUnreadInOneLine() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // 80,000 unknown keys, 1.12 MB: just over the 1 MiB cap; read, each was one line of error
        let keys = (0..<80_000).map { "key" + String(repeating: "0", count: 7 - String($0).count) + "\($0): 1\n" }
        let text = "stages:\n  decoder: image-file\n" + keys.joined()
        try text.write(to: work.appendingPathComponent("huge.yaml"), atomically: true, encoding: .utf8)
        let run = try Self.glimpse(["run", "huge.yaml", ".", "-o", "out"], in: work)
        #expect(run.status == 2, "exit \(run.status)")
        let refusedForItsSize = run.stderr.contains("\(text.utf8.count) bytes, over the limit of 1048576")
        #expect(refusedForItsSize, "\(run.stderr.prefix(300))")
        let lines = run.stderr.split(separator: "\n").count
        #expect(lines == 2, "\(lines) lines on standard error")
    }

    @Test func aPipelineFilesProblemsAreListedUpToAHundred() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let text = "stages:\n  decoder: image-file\n" + (0..<20_000).map { "k\($0): 1\n" }.joined()
        try text.write(to: work.appendingPathComponent("keys.yaml"), atomically: true, encoding: .utf8)
        let run = try Self.glimpse(["run", "keys.yaml", ".", "-o", "out"], in: work)
        #expect(run.status == 2, "exit \(run.status)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 + 100 + 1, "\(lines.count) lines on standard error")
        let last = String(lines.last ?? "")
        #expect(last.hasSuffix("keys.yaml: 19900 more problems not listed"), "\(last)")
    }

    @Test func aFIFOAsThePipelineFileIsRefusedWithoutWaiting() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        #expect(mkfifo(work.appendingPathComponent("pipe.yaml").path, 0o644) == 0)
        let run = try Self.glimpse(["run", "pipe.yaml", ".", "-o", "out"], in: work, seconds: 20)
        #expect(run.status == 2, "exit \(run.status) (137: killed after 20 s of waiting)")
        let namesTheCause = run.stderr.contains("a FIFO, not a regular file")
        #expect(namesTheCause, "\(run.stderr)")
    }

    /// 30 megapixels need about 2.3 GiB in selective search (80 bytes per pixel plus 60 MiB), over
    /// its default budget of 2048 MiB; the decoder's 100-megapixel budget admits them. Run under a
    /// 1.5 GiB address-space limit so that an unfixed tree fails by allocation, not by swapping.
    @Test func anImageOverSelectiveSearchsDefaultBudgetFailsAlone() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let yaml = "stages:\n  decoder: image-file\n  proposer: {use: selective-search, mode: single}\n"
        try yaml.write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let large = Image(width: 6000, height: 5000, channels: 3, pixels: [UInt8](repeating: 90, count: 6000 * 5000 * 3))
        try PipelineFixtures.write(PNG.encode(large), to: work.appendingPathComponent("in/large.png"))
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 60, height: 40, channels: 3, seed: 2)),
                                   to: work.appendingPathComponent("in/small.png"))
        let run = try Self.glimpse(["run", "p.yaml", "in", "-o", "out", "--jobs", "1"], in: work, seconds: 300,
                                   limits: ["--as=\(3 << 29)"])
        let status = run.status
        #expect(status == 1, "exit \(status) (6: the process aborted): \(run.stderr.prefix(400))")
        let ledger = (try? PipelineFixtures.ledger(work.appendingPathComponent("out"))) ?? []
        let failed = ledger.first { ($0["path"] as? String ?? "").hasSuffix("large.png") }
        let done = ledger.first { ($0["path"] as? String ?? "").hasSuffix("small.png") }
        #expect(done?["status"] as? String == "ok", "\(ledger)")
        #expect(failed?["status"] as? String == "failed", "\(ledger)")
        #expect((failed?["error"] as? String ?? "").contains("selective search on a 6000x5000 image needs about"), "\(ledger)")
    }
}
