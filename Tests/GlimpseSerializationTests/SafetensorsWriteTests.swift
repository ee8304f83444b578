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

@Test func headerEscapesBackspaceAndFormFeedShortAsSerdeJSONDoes() throws {
    // serde_json (the reference writer) and Python's json write U+0008 and U+000C as \b and \f.
    let bytes = SafetensorsFile(["x": Tensor(zeros: [1])], metadata: ["k": "a\u{08}b\u{0C}"]).serialized()
    let header = String(decoding: bytes[8...], as: UTF8.self)
    #expect(header.hasPrefix(#"{"__metadata__":{"k":"a\bb\f"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#))
    #expect(try SafetensorsFile(bytes: bytes).metadata == ["k": "a\u{08}b\u{0C}"])
}
