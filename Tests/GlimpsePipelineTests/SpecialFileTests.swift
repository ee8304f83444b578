// FIFOs and devices among the inputs are refused before they are opened (issue 19, item 5): in a
// folder, given directly, listed, or as the list file itself. The run is bounded by timeout(1),
// so a hang fails the test instead of stalling the suite.

import Foundation
import GlimpseTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Special files among the inputs", .serialized)
struct SpecialFileTests {
    @Test func fifosAndDevicesAreRecordedAsFailedWithTheirNames() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 2, in: work)
        for fifo in ["many/0/0/pipe.png", "direct.png", "listed.png", "pipe.list"] {
            #expect(mkfifo(work.appendingPathComponent(fifo).path, 0o644) == 0, "mkfifo \(fifo)")
        }
        try "listed.png\n".write(to: work.appendingPathComponent("inputs.list"), atomically: true, encoding: .utf8)
        let glimpse = try PipelineFixtures.glimpseExecutable()
        let run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/timeout"),
                                         ["-s", "KILL", "60", glimpse.path, "run", "cheap.yaml", "many", "direct.png", "@inputs.list", "@pipe.list",
                                          "/dev/null", "-o", "out"], in: work)
        #expect(run.status == 1, "exit \(run.status) (137: killed by timeout): \(run.stderr)")
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("out"))
        #expect(ledger.filter { $0["status"] as? String == "ok" }.count == 2)
        for (name, kind) in [("many/0/0/pipe.png", "FIFO"), ("direct.png", "FIFO"), ("listed.png", "FIFO"), ("pipe.list", "FIFO"),
                             ("/dev/null", "device")] {
            let entry = ledger.first { ($0["path"] as? String ?? "").hasSuffix(name) }
            #expect(entry?["status"] as? String == "failed", "\(name): \(String(describing: entry))")
            let error = entry?["error"] as? String ?? ""
            #expect(error.contains(name) && error.contains(kind), "\(name): \(error)")
            #expect(run.stderr.contains(name), "\(name) is reported: \(run.stderr)")
        }
    }
}
