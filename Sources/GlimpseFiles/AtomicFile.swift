// AtomicFile: the one way Glimpse writes a whole file, so that readers see the old contents or
// the new, never half.
//
// The bytes go to a uniquely named temporary file in the destination's directory
// (`.NAME.tmp-PID-RANDOM.glimpse`, RANDOM 16 hex digits, same file system so rename(2) is
// atomic; `isTemporaryName` recognises exactly these names, so a cleanup never takes a user's
// file for one), are fsync'ed, and the
// temporary file is renamed over the destination; the directory is then fsync'ed so the rename
// survives a crash. On any failure the temporary file is removed and the destination is left as
// it was. Weights, checkpoints, datasets, images and run outputs all write through here.
//
// A run of `glimpse run` writes several small files per image; an fsync per file cost a third of
// its time, so those writes ask for `.deferred` durability (no fsync, still atomic) and the
// runner makes a whole batch durable with one `syncFileSystem(of:)` before it records it.

import CFileSystem
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
    /// The step that failed ("create temporary file ...", "write", "fsync", "close", "rename").
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
    /// When the new contents are forced to the disk.
    public enum Durability: Sendable, Equatable {
        /// The file is fsync'ed before the rename and its directory after it: once `write`
        /// returns, the new contents survive a crash.
        case immediate
        /// No fsync (the write is still atomic): the caller makes many files durable at once with
        /// `syncFileSystem(of:)`.
        case deferred
    }

    /// An open temporary file that a streaming write appends to.
    public struct Stream {
        fileprivate let fd: Int32
        fileprivate let path: String

        /// Appends `bytes`; throws `AtomicFileError` naming the destination.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < bytes.count {
                let result = Foundation.write(fd, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError(path: path, operation: "write", code: errno)
                }
                written += result
            }
        }

        /// Appends `bytes`.
        public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

        /// Appends `data`.
        public func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }

        /// Appends `text` as UTF-8.
        public func write(_ text: String) throws {
            var text = text
            try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Writes `bytes` to `url` atomically; throws `AtomicFileError` naming `url`.
    public static func write(_ bytes: [UInt8], to url: URL, durability: Durability = .immediate) throws {
        try write(to: url, durability: durability) { try $0.write(bytes) }
    }

    /// Writes `data` to `url` atomically; throws `AtomicFileError` naming `url`.
    public static func write(_ data: Data, to url: URL, durability: Durability = .immediate) throws {
        try write(to: url, durability: durability) { try $0.write(data) }
    }

    /// Writes the bytes `body` appends to the stream, atomically, so a large file never has to be
    /// in memory at once; an error thrown by `body` abandons the write and is rethrown.
    public static func write(to url: URL, durability: Durability = .immediate, _ body: (Stream) throws -> Void) throws {
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

        try body(Stream(fd: fd, path: path))
        if durability == .immediate {
            guard fsync(fd) == 0 else { throw failure("fsync") }
        }
        closed = true
        guard close(fd) == 0 else { throw failure("close") }
        guard rename(temporary, path) == 0 else { throw failure("rename") }
        renamed = true

        // Make the rename itself durable; a failure here cannot undo it, so it is not reported.
        if durability == .immediate {
            let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                _ = fsync(directory)
                close(directory)
            }
        }
    }

    /// Flushes every file written on `folder`'s file system to disk (syncfs(2)): one call makes
    /// a batch of `.deferred` writes durable. Best effort: a folder that cannot be opened is skipped.
    public static func syncFileSystem(of folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = syncfs(fd)
        close(fd)
    }

    /// The temporary path used for `url`: hidden, in the same directory, unique per process and
    /// call: `.NAME.tmp-PID-RANDOM.glimpse`, RANDOM 16 lower-case hex digits.
    static func temporaryURL(for url: URL) -> URL {
        let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let name = ".\(url.lastPathComponent).tmp-\(getpid())-\(String(repeating: "0", count: 16 - hex.count) + hex).glimpse"
        return url.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The pid in `name` when it is exactly the name of a temporary file this writer makes
    /// (`.NAME.tmp-PID-RANDOM.glimpse`), else nil.
    public static func temporaryNameOwner(_ name: String) -> Int32? {
        guard let match = name.wholeMatch(of: #/\..+\.tmp-([0-9]{1,10})-[0-9a-f]{16}\.glimpse/#) else { return nil }
        return Int32(match.1)
    }
}
