// Ledger: OUT/ledger.jsonl, one JSON line per input: path, content hash, pipeline fingerprint,
// status, error, per-stage timings, and `out_of_domain` when a head stage skipped the image
// (still `ok`: done, not retried). Lines are appended as inputs finish (after their outputs are
// in place), whole lines only (a failed write is cut back), so after a crash every ok line names
// outputs that exist; `--resume` reads it back
// and skips those inputs. At the end of a run the ledger is rewritten with one
// line per input, in input order.

import Foundation
import GlimpseFiles
import GlimpseSerialization
#if canImport(Glibc)
import Glibc
#endif

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
///
/// Lines are appended with pwrite(2) at the end of the last whole line; when a write fails
/// part-way (a full disk, a file-size limit) the file is truncated back to that length, so the
/// ledger holds whole lines only, and the error (`AtomicFileError`) names the file.
public final class Ledger {
    /// The ledger's path.
    public let url: URL
    private var fd: Int32
    /// Bytes of whole lines: where the next line goes.
    private var length: off_t

    /// Opens `url` for appending (creating it; truncating it unless `keep`). When kept, a last
    /// line cut short by a crash is cut off, so the next entry starts on its own line.
    public init(url: URL, keep: Bool) throws {
        self.url = url
        (fd, length) = try Self.openFile(url, truncate: !keep)
        if length > 0 {
            let whole = try Self.wholeLinesLength(fd, end: length, path: url.path)
            if whole < length {
                guard ftruncate(fd, whole) == 0 else { throw AtomicFileError(path: url.path, operation: "truncate", code: errno) }
                length = whole
            }
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends one line.
    public func append(_ entry: LedgerEntry) throws { try append([entry]) }

    /// Appends one line per entry, all or none: on failure the file is cut back to its length
    /// before the call and the error names it.
    public func append(_ entries: [LedgerEntry]) throws {
        let bytes = Array(entries.map { $0.jsonLine() + "\n" }.joined().utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, bytes.count - written, length + off_t(written)) }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                let cut = ftruncate(fd, length) == 0
                throw AtomicFileError(path: url.path, operation: cut ? "write" : "write (and the truncation back to whole lines)", code: code)
            }
            written += result
        }
        length += off_t(bytes.count)
    }

    /// The last well-formed entry per path in `url` (lines cut short or garbled are ignored).
    /// A ledger larger than 4 GiB (some ten million images) is not read: the run starts afresh.
    public static func read(_ url: URL) -> [String: LedgerEntry] {
        // RegularFile: a FIFO in the ledger's place cannot block the run, and an empty ledger
        // does not go through FoundationEssentials' reader, which leaked 4 KiB for it (found by
        // the ledger fuzz target's leak check).
        guard let data = try? RegularFile.read(url.path, maxBytes: 1 << 32) else { return [:] }
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
        close(fd)
        fd = -1
        try AtomicFile.write(Data(text.utf8), to: url)
        (fd, length) = try Self.openFile(url, truncate: false)
    }

    /// Opens `url` for reading and writing, created if missing; returns the descriptor and the file's length.
    private static func openFile(_ url: URL, truncate: Bool) throws -> (Int32, off_t) {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: url.path, operation: "open", code: errno) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let code = errno
            close(fd)
            throw AtomicFileError(path: url.path, operation: "seek", code: code)
        }
        return (fd, end)
    }

    /// The length up to and including the last newline before `end` (0 when there is none).
    private static func wholeLinesLength(_ fd: Int32, end: off_t, path: String) throws -> off_t {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var chunkEnd = end
        while chunkEnd > 0 {
            let start = max(0, chunkEnd - off_t(buffer.count))
            let count = Int(chunkEnd - start)
            let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, start) }
            guard read == count else { throw AtomicFileError(path: path, operation: "read", code: read < 0 ? errno : EIO) }
            if let newline = buffer[0..<count].lastIndex(of: 0x0A) { return start + off_t(newline) + 1 }
            chunkEnd = start
        }
        return 0
    }
}
