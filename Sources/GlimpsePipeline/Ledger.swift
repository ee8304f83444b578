// Ledger: OUT/ledger.jsonl, one JSON line per input: path, content hash, pipeline fingerprint,
// status, error, per-stage timings, and `out_of_domain` when a head stage skipped the image
// (still `ok`: done, not retried). Lines are appended as inputs finish (after their outputs are
// in place), so after a crash every ok line names outputs that exist; `--resume` reads it back
// and skips those inputs. At the end of a run the ledger is rewritten with one
// line per input, in input order.

import Foundation
import GlimpseFiles
import GlimpseSerialization

/// One input's line in the ledger.
public struct LedgerEntry: Sendable, Equatable {
    /// What happened to an input.
    public enum Status: String, Sendable {
        /// Processed, outputs written.
        case ok
        /// Could not be read, decoded or processed; `error` says why.
        case failed
        /// Not an image (told by content).
        case skipped
    }

    /// The input path read.
    public var path: String
    /// The output stem (per-image JSON is `STEM.json`).
    public var output: String
    /// FNV-1a 64 of the file's bytes, hex (empty when it was not read).
    public var hash: String
    /// The pipeline file's fingerprint.
    public var pipeline: String
    /// The outcome.
    public var status: Status
    /// Why it failed or was skipped.
    public var error: String?
    /// Milliseconds per stage (`read`, `decoder`, then each stage; `write` for the outputs).
    public var timings: [String: Double]
    /// True when `--resume` reused an earlier result instead of processing the file again.
    public var resumed: Bool?
    /// True when a head stage judged the image out of its domain (the status stays `ok`).
    public var outOfDomain: Bool?

    /// Creates an entry.
    public init(path: String, output: String, hash: String, pipeline: String, status: Status, error: String?,
                timings: [String: Double], resumed: Bool?, outOfDomain: Bool? = nil) {
        (self.path, self.output, self.hash, self.pipeline, self.status) = (path, output, hash, pipeline, status)
        (self.error, self.timings, self.resumed, self.outOfDomain) = (error, timings, resumed, outOfDomain)
    }

    /// The entry as one JSON line (keys sorted), without the newline.
    public func jsonLine() -> String { json.encoderText(pretty: false) }
}

/// Reading and appending the ledger file.
public final class Ledger {
    /// The ledger's path.
    public let url: URL
    private var handle: FileHandle

    /// Opens `url` for appending (creating it; truncating it unless `keep`). When kept, a
    /// last line cut short by a crash is ended so the next entry starts on its own line.
    public init(url: URL, keep: Bool) throws {
        self.url = url
        let manager = FileManager.default
        if !keep || !manager.fileExists(atPath: url.path) {
            guard manager.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        handle = try FileHandle(forWritingTo: url)
        let end = try handle.seekToEnd()
        if end > 0 {
            let reader = try FileHandle(forReadingFrom: url)
            try reader.seek(toOffset: end - 1)
            let last = try reader.read(upToCount: 1)
            try reader.close()
            if last != Data([0x0A]) { try handle.write(contentsOf: Data([0x0A])) }
        }
    }

    deinit { try? handle.close() }

    /// Appends one line.
    public func append(_ entry: LedgerEntry) throws {
        try handle.write(contentsOf: Data((entry.jsonLine() + "\n").utf8))
    }

    /// The last well-formed entry per path in `url` (lines cut short or garbled are ignored).
    public static func read(_ url: URL) -> [String: LedgerEntry] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        var entries = [String: LedgerEntry]()
        for line in data.split(separator: 0x0A) {
            if let value = try? JSONParser().parse([UInt8](line)),
               let entry = try? LedgerEntry(json: value, file: url.path) {
                entries[entry.path] = entry
            }
        }
        return entries
    }

    /// Replaces the ledger with `entries`, one line each, atomically; later appends go to the new file.
    public func rewrite(_ entries: [LedgerEntry]) throws {
        let text = entries.map { $0.jsonLine() + "\n" }.joined()
        try handle.close()
        try AtomicFile.write(Data(text.utf8), to: url)
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }
}
