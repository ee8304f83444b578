// OutputFile: atomic writes for the many small files of a run: a temporary file beside the
// destination (`.NAME.tmp-PID-RANDOM`), renamed over it, so a reader or a resumed run never
// sees half a file. Unlike AtomicFile there is no fsync per file (it cost a third of the run
// time on small images); durability comes from one `syncfs` of the output folder before each
// batch of ledger lines (see BatchRunner), so an ok line never names outputs still in memory.

import CFileSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed write of a run output.
public struct OutputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The destination.
    public var path: String
    /// What failed and why.
    public var reason: String

    /// "cannot write PATH: REASON".
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Whole-file writes that readers see complete or not at all.
enum OutputFile {
    /// Writes `data` to `url` through a temporary file and a rename.
    static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFileError(path: url.path, reason: "create \(temporary): \(String(cString: strerror(errno)))") }
        var failure: String?
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failure = "write: \(String(cString: strerror(errno)))"; return }
                written += n
            }
        }
        close(fd)
        if failure == nil && rename(temporary, url.path) != 0 { failure = "rename: \(String(cString: strerror(errno)))" }
        if let failure {
            unlink(temporary)
            throw OutputFileError(path: url.path, reason: failure)
        }
    }

    /// Flushes every file written on the output folder's file system to disk.
    static func syncFileSystem(of folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = syncfs(fd)
        close(fd)
    }
}
