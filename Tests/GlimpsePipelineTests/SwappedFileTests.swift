// Files that change kind between the input scan and the read (issue 19, found in the third
// round): the scan refuses special files by stat, but the read used to be a plain open, so a FIFO
// swapped in after the scan blocked a worker forever. The read now opens with O_NONBLOCK and
// checks the opened descriptor. And a per-image folder that cannot be made is one line naming it
// and the cause, not Foundation's wording.

import Foundation
import GlimpseImaging
@testable import GlimpsePipeline
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A value set on one thread and read on another.
private final class Box<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

@Suite("Files swapped after the scan", .serialized)
struct SwappedFileTests {
    /// `body` on another thread; false if it has not returned within `seconds` (a FIFO open that
    /// waits for a writer), after which a writer is opened to release it.
    static func returns(within seconds: Double, unblocking fifo: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread { body(); done.signal() }.start()
        if done.wait(timeout: .now() + seconds) == .success { return true }
        let writer = open(fifo, O_WRONLY | O_NONBLOCK)
        if writer >= 0 { close(writer) }
        _ = done.wait(timeout: .now() + 5)
        return false
    }

    @Test func readingAFIFOAsAnImageIsRefusedWithoutWaiting() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let fifo = work.appendingPathComponent("photo.png").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let message = Box("")
        let returned = Self.returns(within: 10, unblocking: fifo) {
            do {
                _ = try ImageFile.bytes(of: fifo)
                message.value = "read"
            } catch {
                message.value = "\(error)"
            }
        }
        #expect(returned, "ImageFile.bytes waited on a FIFO")
        #expect(message.value == "\(fifo): unreadable: a FIFO, not a regular file (not read)")
    }

    @Test func aFIFOSwappedInAfterTheScanFailsItsImageAndTheRunGoesOn() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let good = work.appendingPathComponent("in/a.png")
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 16, height: 12, channels: 3, seed: 1)), to: good)
        // scanned as an image, then replaced by a FIFO before the worker reads it
        let swapped = work.appendingPathComponent("in/b.png").path
        #expect(mkfifo(swapped, 0o644) == 0)
        let file = try PipelineFile.parse("stages:\n  decoder: image-file\n", file: "p.yaml", registry: .withTestStages) { _ in nil }
        let items = [InputItem(path: good.path, stem: "a", kind: .image), InputItem(path: swapped, stem: "b", kind: .image)]
        let out = work.appendingPathComponent("out")
        let summary = Box<RunSummary?>(nil)
        let pipeline = try Pipeline(file)
        let returned = Self.returns(within: 30, unblocking: swapped) {
            let result = try? BatchRunner(pipeline: pipeline, items: items, options: BatchOptions(output: out, jobs: 1, resume: false)).run()
            summary.value = result
        }
        #expect(returned, "the run waited on a FIFO")
        #expect(summary.value?.ok == 1 && summary.value?.failed == 1, "\(String(describing: summary.value))")
        let entry = try PipelineFixtures.ledger(out).first { $0["path"] as? String == swapped }
        #expect((entry?["error"] as? String ?? "").contains("a FIFO, not a regular file"), "\(String(describing: entry))")
    }

    @Test func aPerImageFolderThatCannotBeMadeIsNamedWithTheCause() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let image = work.appendingPathComponent("in/sub/a.png")
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 16, height: 12, channels: 3, seed: 1)), to: image)
        let out = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "mine\n".write(to: out.appendingPathComponent("sub"), atomically: true, encoding: .utf8)
        let file = try PipelineFile.parse("stages:\n  decoder: image-file\n", file: "p.yaml", registry: .withTestStages) { _ in nil }
        let items = [InputItem(path: image.path, stem: "sub/a", kind: .image)]
        let summary = try BatchRunner(pipeline: try Pipeline(file), items: items, options: BatchOptions(output: out, jobs: 1, resume: false)).run()
        #expect(summary.failed == 1)
        let error = try PipelineFixtures.ledger(out).first?["error"] as? String ?? ""
        #expect(error.contains("cannot write \(out.path)/sub: create folder: File exists"), "\(error)")
        #expect(!error.contains("Code=") && !error.contains("couldn"), "\(error)")
        #expect(try String(contentsOf: out.appendingPathComponent("sub"), encoding: .utf8) == "mine\n")
    }
}
