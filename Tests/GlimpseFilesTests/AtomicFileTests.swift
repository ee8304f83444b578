// Atomic writes: the destination holds the old bytes or the new, and no temporary file is left.

import Foundation
@testable import GlimpseFiles
import Testing

private func directoryListing(_ url: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}

@Test func writeReplacesTheDestinationAndLeavesNoTemporaryFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("out.bin")
    try AtomicFile.write([1, 2, 3], to: url)
    #expect(try Data(contentsOf: url) == Data([1, 2, 3]))
    try AtomicFile.write(Data([9, 8]), to: url)
    #expect(try Data(contentsOf: url) == Data([9, 8]))
    try AtomicFile.write([UInt8](), to: url)
    #expect(try Data(contentsOf: url).isEmpty)
    #expect(try directoryListing(directory) == ["out.bin"])
}

@Test(arguments: [AtomicFile.Durability.immediate, .deferred])
func writeIntoMissingDirectoryFailsNamingTheFile(durability: AtomicFile.Durability) throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("missing/out.json")
    do {
        try AtomicFile.write([1, 2], to: url, durability: durability)
        Issue.record("wrote into a missing directory")
    } catch let error as AtomicFileError {
        #expect(error.path == url.path)
        #expect(error.code == ENOENT)
        #expect(error.description.hasPrefix("cannot write \(url.path): create temporary file "))
        #expect(error.description.hasSuffix(": No such file or directory"))
    }
    #expect(try directoryListing(directory).isEmpty)
}

@Test func streamedWriteIsAtomicAndAnErrorFromTheBodyAbandonsIt() throws {
    struct Stop: Error {}
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("report.html")
    try AtomicFile.write(to: url, durability: .deferred) { stream in
        try stream.write("<p>")
        try stream.write([0x41, 0x42])
        try stream.write(Data("</p>".utf8))
    }
    #expect(try String(contentsOf: url, encoding: .utf8) == "<p>AB</p>")
    #expect(throws: Stop.self) {
        try AtomicFile.write(to: url) { stream in
            try stream.write("half")
            throw Stop()
        }
    }
    #expect(try String(contentsOf: url, encoding: .utf8) == "<p>AB</p>")
    #expect(try directoryListing(directory) == ["report.html"])
}

@Test func failedRenameLeavesDestinationAndNoTemporaryFile() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    // The destination is a non-empty directory: rename(2) must fail, after the temporary file was written.
    let url = directory.appendingPathComponent("model.safetensors")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    try Data([42]).write(to: url.appendingPathComponent("keep"))
    do {
        try AtomicFile.write([UInt8](repeating: 7, count: 1000), to: url)
        Issue.record("renamed over a directory")
    } catch let error as AtomicFileError {
        #expect(error.operation == "rename" && error.path == url.path)
    }
    #expect(try directoryListing(directory) == ["model.safetensors"])
    #expect(try Data(contentsOf: url.appendingPathComponent("keep")) == Data([42]))
}

@Test func temporaryNamesAreHiddenUniqueAndBesideTheDestination() {
    let url = URL(fileURLWithPath: "/tmp/x/weights.safetensors")
    let names = Set((0..<100).map { _ in AtomicFile.temporaryURL(for: url).path })
    #expect(names.count == 100)
    for name in names {
        #expect(name.hasPrefix("/tmp/x/.weights.safetensors.tmp-\(getpid())-"))
    }
}

/// A fresh empty directory under the system temporary directory.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("glimpse-files-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
