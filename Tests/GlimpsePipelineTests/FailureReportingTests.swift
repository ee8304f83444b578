// How failed inputs are reported (issue 19, item 11): an unreadable input's reason reaches the
// ledger, report.html and standard error ("Permission denied", not "cannot be opened"), and
// `--quiet` silences progress but never the failure lines (a run exited 1 with an empty stderr).

import Foundation
import GlimpseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Failure reporting", .serialized)
struct FailureReportingTests {
    @Test func quietStillListsEveryFailedInput() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        try PipelineFixtures.write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 40),
                                   to: work.appendingPathComponent("many/garbage.png"))
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        #expect(run.status == 1)
        #expect(run.stderr.contains("failed: ") && run.stderr.contains("garbage.png"), "stderr: \(run.stderr)")
        #expect(!run.stderr.contains("glimpse run: cheap"), "progress stays quiet: \(run.stderr)")
        #expect(!run.stderr.contains("done: "), "progress stays quiet: \(run.stderr)")
    }

    /// Run as an unprivileged user (root reads any file): `setpriv` when the tests run as root.
    @Test func anUnreadableInputsReasonIsRecorded() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        let secret = work.appendingPathComponent("many/secret.png")
        try PipelineFixtures.write(Array(try Data(contentsOf: work.appendingPathComponent("many/0/0/i0.png"))), to: secret)
        #expect(chmod(secret.path, 0) == 0)
        #expect(chmod(work.path, 0o777) == 0)
        let glimpse = try PipelineFixtures.glimpseExecutable()
        let run: GlimpseRun
        if getuid() == 0 {
            run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/setpriv"),
                                         ["--reuid=65534", "--regid=65534", "--clear-groups", glimpse.path,
                                          "run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        } else {
            run = try GlimpseProcess.run(program: glimpse, ["run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        }
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("secret.png") && run.stderr.contains("Permission denied"), "\(run.stderr)")
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("out"))
        let entry = ledger.first { ($0["path"] as? String ?? "").hasSuffix("secret.png") }
        #expect(entry?["status"] as? String == "failed")
        #expect((entry?["error"] as? String ?? "").contains("cannot be opened: Permission denied"), "\(String(describing: entry))")
        let report = try String(contentsOf: work.appendingPathComponent("out/report.html"), encoding: .utf8)
        #expect(report.contains("Permission denied"))
        #expect(ledger.filter { $0["status"] as? String == "ok" }.count == 2)
    }

    /// `glimpse run ARGUMENTS` in `work` as an unprivileged user (root writes anywhere): through
    /// `setpriv` as nobody when the tests run as root.
    static func runUnprivileged(_ arguments: [String], in work: URL) throws -> GlimpseRun {
        let glimpse = try PipelineFixtures.glimpseExecutable()
        guard getuid() == 0 else { return try GlimpseProcess.run(program: glimpse, arguments, in: work) }
        return try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/setpriv"),
                                      ["--reuid=65534", "--regid=65534", "--clear-groups", glimpse.path] + arguments, in: work)
    }

    /// Issue 19, defect 11: a non-writable `-o` (the folder itself, or the folder it is to be made
    /// in) is one line naming the folder and "Permission denied", never Foundation's `Code=512`.
    @Test(arguments: ["locked", "locked/out"])
    func aNonWritableOutputFolderIsNamedWithTheCause(output: String) throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer {
            chmod(work.appendingPathComponent("locked").path, 0o755)
            try? FileManager.default.removeItem(at: work)
        }
        try RunCommandTests.manyImages(count: 2, in: work)
        let locked = work.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
        #expect(chmod(locked.path, 0o555) == 0)
        #expect(chmod(work.path, 0o777) == 0)
        let run = try Self.runUnprivileged(["run", "cheap.yaml", "many", "-o", output, "--quiet"], in: work)
        #expect(run.status != 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(locked.path) && run.stderr.contains("Permission denied"), "\(run.stderr)")
        #expect(!run.stderr.contains("Code="), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path).isEmpty)
    }
}
