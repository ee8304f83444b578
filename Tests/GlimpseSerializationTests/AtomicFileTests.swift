// Atomic writes: the destination holds the old bytes or the new, and no temporary file is left.

import Foundation
@testable import GlimpseSerialization
import GlimpseTensor
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

@Test func writeIntoMissingDirectoryFailsNamingThePath() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("missing/out.safetensors")
    do {
        try SafetensorsFile.write(["w": Tensor(zeros: [2])], to: url)
        Issue.record("wrote into a missing directory")
    } catch let error as AtomicFileError {
        #expect(error.path == url.path)
        #expect(error.code == ENOENT)
        #expect(error.description.contains(url.path))
    }
    #expect(try directoryListing(directory).isEmpty)
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
