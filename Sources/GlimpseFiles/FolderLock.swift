// FolderLock: one process at a time per folder, by flock(2) on a lock file inside it.
//
// The lock belongs to an open file description, so the kernel drops it when its holder exits,
// however it exits (kill -9 and crashes included): a lock file left behind by a dead process is
// never stale, the next process simply locks it again. The file holds the holder's pid, which a
// second process reads for its message. Release removes the file while still holding the lock;
// so that a process which opened it just before cannot then lock the removed inode while a
// third locks a new file of the same name, a lock counts only once the path is checked to still
// name the locked inode (otherwise the lock is taken again on the new file).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder that could not be locked: held by another process, or the lock file could not be opened.
public struct FolderLockError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The lock file.
    public var path: String
    /// The holder's pid as its lock file states it (nil when held but not yet stated, or when not held).
    public var holder: Int32?
    /// The `errno` of the failure (`EWOULDBLOCK` when another process holds the lock).
    public var code: Int32

    /// Creates an error record.
    public init(path: String, holder: Int32?, code: Int32) {
        (self.path, self.holder, self.code) = (path, holder, code)
    }

    /// "FOLDER is in use by another run (pid N; lock file PATH)", or the system's reason.
    public var description: String {
        let folder = (path as NSString).deletingLastPathComponent
        if code == EWOULDBLOCK {
            return "\(folder) is in use by another run (pid \(holder.map(String.init) ?? "unknown"); lock file \(path))"
        }
        return "cannot lock \(folder): \(path): \(String(cString: strerror(code)))"
    }
}

/// An exclusive lock on a folder, held until `release()` or the end of the process.
public final class FolderLock: @unchecked Sendable {
    /// The lock file's name inside the folder (hidden, so folder walks skip it).
    public static let fileName = ".glimpse-run.lock"
    /// The lock file.
    public let path: String
    private var fd: Int32

    /// Locks `folder` (which must exist) without waiting; throws `FolderLockError` naming the
    /// holder's pid when another process holds it.
    public init(folder: URL) throws {
        path = folder.appendingPathComponent(Self.fileName).path
        fd = -1
        while true {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FolderLockError(path: path, holder: nil, code: errno) }
            var locked = flock(fd, LOCK_EX | LOCK_NB)
            while locked != 0 && errno == EINTR { locked = flock(fd, LOCK_EX | LOCK_NB) }
            guard locked == 0 else {
                let code = errno
                let holder = Self.statedPid(fd)
                close(fd)
                throw FolderLockError(path: path, holder: holder, code: code)
            }
            if Self.pathNamesLockedFile(path, fd) { break }
            close(fd)  // the holder removed the file in between: lock the new one
        }
        // best effort: the pid only improves a second process's message
        _ = ftruncate(fd, 0)
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Releases the lock and removes the lock file; idempotent.
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// Whether `path` still names the file open as `fd`.
    private static func pathNamesLockedFile(_ path: String, _ fd: Int32) -> Bool {
        var open = stat(), named = stat()
        guard fstat(fd, &open) == 0, stat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    /// The pid written at the start of the open lock file, if any.
    private static func statedPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
