// Whole-file reads: regular files only (decided on the opened descriptor, without waiting on a
// FIFO), a size limit checked before the buffer is allocated, and the system's reason in errors.

import Foundation
@testable import GlimpseFiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-regular-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct RegularFileTests {
    @Test func readsExactlyTheBytesUpToTheLimit() throws {
        let directory = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.bin").path
        let bytes = (0..<10_000).map { UInt8($0 % 251) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try RegularFile.read(path, maxBytes: 10_000) == bytes)
        #expect(try RegularFile.read(path, maxBytes: 1 << 30) == bytes)
        let error = #expect(throws: RegularFileError.self) { try RegularFile.read(path, maxBytes: 9_999) }
        #expect(error?.cause == .tooLarge(size: 10_000, limit: 9_999))
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try RegularFile.read(path, maxBytes: 0) == [])
    }

    @Test func refusesWhatIsNotARegularFileWithoutWaiting() throws {
        let directory = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o644) == 0)
        // O_NONBLOCK: the open returns at once although no writer exists
        let pipeError = #expect(throws: RegularFileError.self) { try RegularFile.read(fifo, maxBytes: 100) }
        #expect(pipeError?.description == "cannot read \(fifo): a FIFO, not a regular file (not read)")
        let folderError = #expect(throws: RegularFileError.self) { try RegularFile.read(directory.path, maxBytes: 100) }
        #expect(folderError?.cause == .notRegular(kind: "a folder"))
        let deviceError = #expect(throws: RegularFileError.self) { try RegularFile.read("/dev/zero", maxBytes: 100) }
        #expect(deviceError?.cause == .notRegular(kind: "a character device"))
        let missing = #expect(throws: RegularFileError.self) { try RegularFile.read(directory.path + "/none", maxBytes: 100) }
        #expect(missing?.reason == "No such file or directory")
    }
}
