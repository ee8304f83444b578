// RegularFile: the one way Glimpse reads a whole input file, refusing what is not a regular file
// and what is larger than the caller's budget before reading a byte.
//
// The file is opened with O_NONBLOCK, so a FIFO swapped in after an input scan (or named as a
// pipeline or list file) cannot block the open waiting for a writer, and the descriptor that was
// opened is checked with fstat(2): a FIFO, socket, device or folder is refused by what it is,
// not by a `stat` of the name made earlier (issue 19, a FIFO swapped in after the scan). The size
// comes from the same fstat, so a file over `maxBytes` is refused before its buffer is allocated,
// and the read stops at `maxBytes + 1` bytes should the file grow meanwhile. Errors name the file
// and give the system's reason ("Permission denied"), never Foundation's "cannot be opened".

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole-file read that failed: the path and the cause.
public struct RegularFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the file was not read.
    public enum Cause: Equatable, Sendable {
        /// open(2) or read(2) failed with this `errno` (ENOENT, EACCES, EIO, ...).
        case system(operation: String, code: Int32)
        /// The path names something other than a regular file ("a folder", "a FIFO", ...).
        case notRegular(kind: String)
        /// The file holds more than `limit` bytes.
        case tooLarge(size: Int, limit: Int)
    }

    /// The path as given.
    public var path: String
    /// What went wrong.
    public var cause: Cause

    /// Creates an error record.
    public init(path: String, cause: Cause) {
        self.path = path
        self.cause = cause
    }

    /// The cause in words, without the path: "Permission denied", "a folder, not a regular file".
    public var reason: String {
        switch cause {
        case .system(let operation, let code):
            return operation == "open" ? String(cString: strerror(code)) : "\(operation): \(String(cString: strerror(code)))"
        case .notRegular(let kind):
            return "\(kind), not a regular file (not read)"
        case .tooLarge(let size, let limit):
            return "\(size) bytes, over the limit of \(limit) bytes (not read)"
        }
    }

    /// "cannot read PATH: REASON".
    public var description: String { "cannot read \(path): \(reason)" }
}

/// Whole-file reads of regular files with a size limit.
public enum RegularFile {
    /// The contents of the regular file at `path`, at most `maxBytes` bytes.
    /// - Throws: `RegularFileError` when the file cannot be opened or read, is not a regular file
    ///   (checked on the opened descriptor), or holds more than `maxBytes` bytes.
    public static func read(_ path: String, maxBytes: Int) throws(RegularFileError) -> [UInt8] {
        precondition(maxBytes >= 0, "RegularFile.read: negative maxBytes \(maxBytes)")
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw RegularFileError(path: path, cause: .system(operation: "open", code: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw RegularFileError(path: path, cause: .system(operation: "fstat", code: errno)) }
        let kind = kindName(info.st_mode) ?? "a special file"
        guard kind.isEmpty else { throw RegularFileError(path: path, cause: .notRegular(kind: kind)) }
        let size = Int(info.st_size)
        guard size <= maxBytes else { throw RegularFileError(path: path, cause: .tooLarge(size: size, limit: maxBytes)) }
        // A regular file never blocks; O_NONBLOCK only mattered for the open.
        var bytes = [UInt8](repeating: 0, count: min(size, maxBytes) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= maxBytes else {
                    throw RegularFileError(path: path, cause: .tooLarge(size: filled, limit: maxBytes))
                }
                bytes.append(contentsOf: repeatElement(0, count: min(max(bytes.count, 4096), maxBytes + 1 - bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw RegularFileError(path: path, cause: .system(operation: "read", code: errno))
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// "" for a regular file, else what `mode` names ("a folder", "a FIFO", ...); nil for a kind
    /// without a name here.
    static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return ""
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return nil
        }
    }
}
