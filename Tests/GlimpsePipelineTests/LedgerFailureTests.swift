// A ledger that cannot be written (issue 19, item 4): the run stops cleanly (workers joined, no
// crash), the ledger keeps only whole lines, and the error names the file. A file-size limit
// (`ulimit -f`, SIGXFSZ ignored, so write(2) fails with EFBIG part-way through a line) stands in
// for a full disk everywhere; where mounting is permitted (root), a 600 KiB tmpfs is filled for real.

import Foundation
import GlimpseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Ledger write failures", .serialized)
struct LedgerFailureTests {
    /// Every line of the ledger is a whole JSON object and the file ends with a newline.
    static func expectWholeLines(_ ledger: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = (try? String(contentsOf: ledger, encoding: .utf8)) ?? ""
        #expect(text.isEmpty || text.hasSuffix("\n"), "torn last line: \(text.suffix(80))", sourceLocation: sourceLocation)
        for line in text.split(separator: "\n") {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not whole: \(line)", sourceLocation: sourceLocation)
        }
    }

    @Test func aFileSizeLimitStopsTheRunWithWholeLinesAndTheFileNamed() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 100, in: work)
        let glimpse = try PipelineFixtures.glimpseExecutable()
        // 12 KiB per file: every image output fits, the ledger of 100 lines does not
        let run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/bin/bash"),
                                         ["-c", "trap '' XFSZ; ulimit -f 12; exec \"$0\" \"$@\"", glimpse.path,
                                          "run", "cheap.yaml", "many", "-o", "out", "--quiet", "--jobs", "2"], in: work)
        #expect(run.status == 1, "exit \(run.status): \(run.stderr)")
        #expect(run.stderr.contains("out/ledger.jsonl"), "\(run.stderr)")
        #expect(!run.stderr.contains("Code="), "\(run.stderr)")
        let ledger = work.appendingPathComponent("out/ledger.jsonl")
        try Self.expectWholeLines(ledger)
        // a batch of lines is appended whole or not at all, so fewer than all are recorded
        let lines = try String(contentsOf: ledger, encoding: .utf8).split(separator: "\n").count
        #expect(lines < 100, "\(lines) lines")

        // without the limit, --resume completes the run
        let resumed = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--quiet", "--resume"], in: work)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try Self.expectWholeLines(ledger)
        #expect(try PipelineFixtures.ledger(work.appendingPathComponent("out")).filter { $0["status"] as? String == "ok" }.count == 100)
    }

    /// Whether this process may mount a tmpfs (root, and mount(8) permitted here).
    static let tmpfsPermitted: Bool = {
        guard geteuid() == 0, let probe = try? PipelineFixtures.temporaryFolder() else { return false }
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? GlimpseProcess.run(program: URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path]))?.status == 0
        else { return false }
        _ = try? GlimpseProcess.run(program: URL(fileURLWithPath: "/bin/umount"), [probe.path])
        return true
    }()

    @Test(.enabled(if: LedgerFailureTests.tmpfsPermitted, "mounting a tmpfs needs root and a system that permits mount(2)"))
    func aFullTmpfsEndsEveryRunCleanly() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 100, in: work)
        let disk = work.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let mounted = try GlimpseProcess.run(program: URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=600k", "tmpfs", disk.path])
        try #require(mounted.status == 0, "\(mounted.stderr)")
        defer { _ = try? GlimpseProcess.run(program: URL(fileURLWithPath: "/bin/umount"), [disk.path]) }
        for attempt in 0..<4 {
            let out = "disk/out\(attempt)"
            let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", out, "--quiet", "--jobs", "2"], in: work)
            #expect(run.status == 1, "attempt \(attempt): exit \(run.status): \(run.stderr)")
            #expect(!run.stderr.contains("Code="), "\(run.stderr)")
            #expect(run.stderr.contains(out + "/"), "the error names a file under -o: \(run.stderr)")
            try Self.expectWholeLines(work.appendingPathComponent(out + "/ledger.jsonl"))
            try FileManager.default.removeItem(at: work.appendingPathComponent(out))
        }
    }
}
