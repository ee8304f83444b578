// Safetensors writes go through AtomicFile: a failure names the file and leaves nothing behind.

import Foundation
import GlimpseFiles
import GlimpseSerialization
import GlimpseTensor
import Testing

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

/// The names in `url`, sorted.
private func directoryListing(_ url: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}
