// One run per output folder (issue 19, item 7): a run holds flock(2) on `OUT/.glimpse-run.lock`
// (the file holds its pid) for as long as it lives and removes it at the end; a second run into
// the same folder fails at once naming the holder, and a lock file left by a dead run is taken over.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Output-folder lock", .serialized)
struct OutputLockTests {
    @Test func aSecondRunIntoTheSameFolderFailsAtOnceNamingTheHolder() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        let out = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // this test process plays the running holder
        let fd = open(out.appendingPathComponent(".glimpse-run.lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let pid = "\(getpid())\n"
        #expect(pid.withCString { write(fd, $0, strlen($0)) } == pid.utf8.count)

        let start = Date()
        let second = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        #expect(second.status == 1, "\(second.stderr)")
        #expect(second.stderr.contains("pid \(getpid())") && second.stderr.contains("out"), "\(second.stderr)")
        #expect(Date().timeIntervalSince(start) < 30, "fails at once, does not wait")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("ledger.jsonl").path), "nothing written")

        unlink(out.appendingPathComponent(".glimpse-run.lock").path)
        close(fd)
        let afterRelease = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        #expect(afterRelease.status == 0, "\(afterRelease.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".glimpse-run.lock").path), "removed at the end")
    }

    @Test func aLockFileLeftByADeadRunIsTakenOver() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        let out = work.appendingPathComponent("out")
        try PipelineFixtures.write(Array("999999\n".utf8), to: out.appendingPathComponent(".glimpse-run.lock"))
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try PipelineFixtures.ledger(out).count == 2)
    }
}
