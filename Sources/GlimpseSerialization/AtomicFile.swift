// AtomicFile: write a whole file so that readers see the old contents or the new, never half.
//
// The bytes go to a uniquely named temporary file in the destination's directory
// (`.NAME.tmp-PID-RANDOM`, same file system so rename(2) is atomic), are fsync'ed, and
// the temporary file is renamed over the destination; the directory is then fsync'ed so
// the rename survives a crash. On any failure the temporary file is removed and the
// destination is left as it was. Checkpoints, weights and reports all write through here.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed atomic write: the path, the step that failed and the system's reason.
public struct AtomicFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The destination path.
    public var path: String
    /// The step that failed ("create temporary file", "write", "fsync", "rename").
    public var operation: String
    /// The `errno` of the failure.
    public var code: Int32

    /// Creates an error record.
    public init(path: String, operation: String, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// The path, the step and the system's message, e.g. "cannot write /x/y.safetensors: rename: Is a directory".
    public var description: String {
        "cannot write \(path): \(operation): \(String(cString: strerror(code)))"
    }
}

/// Atomic whole-file writes.
public enum AtomicFile {
    /// Writes `bytes` to `url` atomically (temporary file, fsync, rename); throws `AtomicFileError`.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try bytes.withUnsafeBytes { try write(raw: $0, to: url) }
    }

    /// Writes `data` to `url` atomically (temporary file, fsync, rename); throws `AtomicFileError`.
    public static func write(_ data: Data, to url: URL) throws {
        try data.withUnsafeBytes { try write(raw: $0, to: url) }
    }

    /// The temporary path used for `url`: hidden, in the same directory, unique per process and call.
    static func temporaryURL(for url: URL) -> URL {
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let name = ".\(url.lastPathComponent).tmp-\(getpid())-\(random)"
        return url.deletingLastPathComponent().appendingPathComponent(name)
    }

    private static func write(raw: UnsafeRawBufferPointer, to url: URL) throws {
        let path = url.path
        let temporary = temporaryURL(for: url).path
        func failure(_ operation: String) -> AtomicFileError {
            AtomicFileError(path: path, operation: operation, code: errno)
        }

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create temporary file \(temporary)") }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary) }
        }

        var written = 0
        while written < raw.count {
            let result = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write")
            }
            written += result
        }
        guard fsync(fd) == 0 else { throw failure("fsync") }
        closed = true
        guard close(fd) == 0 else { throw failure("close") }
        guard rename(temporary, path) == 0 else { throw failure("rename") }
        renamed = true

        // Make the rename itself durable; a failure here cannot undo it, so it is not reported.
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}
