// Broken files: each rule of the format broken on purpose, each with its own error case.

import Foundation
import GlimpseSerialization
import GlimpseTensor
import Testing

private let memory = "<memory>"

/// A valid entry for a 2-element F32 tensor at `begin`.
private func entry(_ name: String, _ begin: Int, shape: String = "[2]", dtype: String = "F32") -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(begin + 8)]}"
}

@Test func validHandMadeFileLoads() throws {
    let bytes = safetensorsBytes(header: "{\(entry("a", 0)),\(entry("b", 8))}   ", data: [UInt8](repeating: 0, count: 16))
    #expect(try SafetensorsFile(bytes: bytes).names == ["a", "b"])
}

@Test func fileShorterThanEightBytes() {
    #expect(loadError([1, 2, 3]) == .fileTooShort(file: memory, size: 3))
    #expect(loadError([]) == .fileTooShort(file: memory, size: 0))
}

@Test func headerLengthBeyondFile() {
    var bytes = safetensorsBytes(header: "{}")
    bytes[0] = 200
    #expect(loadError(bytes) == .headerBeyondFile(file: memory, headerLength: 200, fileSize: 10))
}

@Test func hugeHeaderLengthIsRefusedBeforeAllocating() {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (UInt64(1) << 60).littleEndian) { bytes.append(contentsOf: $0) }
    bytes += Array("{}".utf8)
    #expect(loadError(bytes) == .headerTooLarge(file: memory, headerLength: 1 << 60,
                                                limit: SafetensorsFile.maximumHeaderLength))
    var maxed = bytes
    for i in 0..<8 { maxed[i] = 0xFF }
    #expect(loadError(maxed) == .headerTooLarge(file: memory, headerLength: .max,
                                                limit: SafetensorsFile.maximumHeaderLength))
}

@Test func headerNotUTF8() {
    let bytes = safetensorsBytes(headerBytes: Array("{\"a".utf8) + [0xC3, 0x28] + Array("\":1}".utf8))
    #expect(loadError(bytes) == .headerNotUTF8(file: memory, offset: 3))
}

@Test(arguments: ["", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":tru}", "{} x", "{\"a\":\"\\q\"}",
                  "{\"a\":01}", "{\"a\":\"\u{01}\"}", "{\"a\":\"\\ud800\"}", "{'a':1}"])
func headerNotValidJSON(header: String) {
    guard case .invalidJSON(let file, _, let reason)? = loadError(safetensorsBytes(header: header)) else {
        Issue.record("expected invalidJSON for \(header.debugDescription), got \(String(describing: loadError(safetensorsBytes(header: header))))")
        return
    }
    #expect(file == memory && !reason.isEmpty)
}

@Test func duplicateTensorKey() {
    let bytes = safetensorsBytes(header: "{\(entry("w", 0)),\(entry("w", 0))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(bytes) == .duplicateKey(file: memory, key: "w", parent: nil))
}

@Test func duplicateFieldInsideEntry() {
    let header = "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,4]}}"
    #expect(loadError(safetensorsBytes(header: header, data: [0, 0, 0, 0]))
            == .duplicateKey(file: memory, key: "dtype", parent: "w"))
}

@Test func headerNotAnObject() {
    guard case .invalidLayout(memory, nil, _)? = loadError(safetensorsBytes(header: "[1, 2]")) else {
        Issue.record("expected invalidLayout"); return
    }
}

@Test func entryNotAnObject() {
    guard case .invalidLayout(memory, "w"?, _)? = loadError(safetensorsBytes(header: "{\"w\":[1]}")) else {
        Issue.record("expected invalidLayout"); return
    }
}

@Test func unknownFieldInEntry() {
    let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"stride\":[1]}}"
    let error = loadError(safetensorsBytes(header: header, data: [0, 0, 0, 0]))
    guard case .invalidLayout(memory, "w"?, let reason)? = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(reason.contains("stride"))
}

@Test(arguments: ["dtype", "shape", "data_offsets"])
func missingField(field: String) {
    var fields = ["\"dtype\":\"F32\"", "\"shape\":[1]", "\"data_offsets\":[0,4]"]
    fields.removeAll { $0.hasPrefix("\"\(field)\"") }
    let bytes = safetensorsBytes(header: "{\"w\":{\(fields.joined(separator: ","))}}", data: [0, 0, 0, 0])
    #expect(loadError(bytes) == .missingField(file: memory, key: "w", field: field))
}

@Test(arguments: [("dtype", "1"), ("shape", "\"1\""), ("shape", "[1.5]"), ("shape", "[null]"),
                  ("data_offsets", "[0]"), ("data_offsets", "[0,4,8]"), ("data_offsets", "[0,\"4\"]"),
                  ("data_offsets", "{}")])
func illTypedField(field: String, value: String) {
    var fields = ["dtype": "\"F32\"", "shape": "[1]", "data_offsets": "[0,4]"]
    fields[field] = value
    let body = fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
    let error = loadError(safetensorsBytes(header: "{\"w\":{\(body)}}", data: [0, 0, 0, 0]))
    guard case .illTypedField(memory, "w", field, _)? = error else {
        Issue.record("\(field)=\(value): got \(String(describing: error))"); return
    }
}

@Test func unknownDType() {
    let bytes = safetensorsBytes(header: "{\(entry("w", 0, dtype: "F128"))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(bytes) == .unknownDType(file: memory, key: "w", dtype: "F128"))
}

@Test func negativeShape() {
    let bytes = safetensorsBytes(header: "{\(entry("w", 0, shape: "[-2,-1]"))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(bytes) == .negativeShape(file: memory, key: "w", shape: [-2, -1]))
}

@Test func shapeOverflow() {
    let big = "[\(Int.max / 2),4]"
    let bytes = safetensorsBytes(header: "{\(entry("w", 0, shape: big))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(bytes) == .shapeOverflow(file: memory, key: "w", shape: [Int.max / 2, 4]))
}

@Test func beginAfterEnd() {
    let header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}"
    #expect(loadError(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: 8)))
            == .beginAfterEnd(file: memory, key: "w", begin: 8, end: 4))
}

@Test func offsetsOutOfRange() {
    let past = safetensorsBytes(header: "{\(entry("w", 4))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(past) == .offsetsOutOfRange(file: memory, key: "w", begin: 4, end: 12, dataSize: 8))
    let negative = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}"
    #expect(loadError(safetensorsBytes(header: negative, data: [0, 0, 0, 0]))
            == .offsetsOutOfRange(file: memory, key: "w", begin: -4, end: 0, dataSize: 4))
}

@Test func overlappingTensors() {
    let bytes = safetensorsBytes(header: "{\(entry("a", 0)),\(entry("b", 4))}", data: [UInt8](repeating: 0, count: 12))
    #expect(loadError(bytes) == .overlappingTensors(file: memory, key: "b", other: "a"))
}

@Test func holeBetweenTensors() {
    let bytes = safetensorsBytes(header: "{\(entry("a", 0)),\(entry("b", 12))}", data: [UInt8](repeating: 0, count: 20))
    #expect(loadError(bytes) == .holeInBuffer(file: memory, begin: 8, end: 12, before: "b"))
}

@Test func holeAtStartAndEnd() {
    let start = safetensorsBytes(header: "{\(entry("a", 4))}", data: [UInt8](repeating: 0, count: 12))
    #expect(loadError(start) == .holeInBuffer(file: memory, begin: 0, end: 4, before: "a"))
    let end = safetensorsBytes(header: "{\(entry("a", 0))}", data: [UInt8](repeating: 0, count: 9))
    #expect(loadError(end) == .holeInBuffer(file: memory, begin: 8, end: 9, before: nil))
}

@Test func byteCountDoesNotMatchShape() {
    let bytes = safetensorsBytes(header: "{\(entry("w", 0, shape: "[3]"))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(bytes) == .byteCountMismatch(file: memory, key: "w", expected: 12, found: 8))
    let half = safetensorsBytes(header: "{\(entry("h", 0, shape: "[2]", dtype: "F16"))}", data: [UInt8](repeating: 0, count: 8))
    #expect(loadError(half) == .byteCountMismatch(file: memory, key: "h", expected: 4, found: 8))
}

@Test func metadataValueNotString() {
    let bytes = safetensorsBytes(header: "{\"__metadata__\":{\"ok\":\"x\",\"epoch\":3}}")
    #expect(loadError(bytes) == .metadataNotString(file: memory, key: "epoch"))
    let notObject = safetensorsBytes(header: "{\"__metadata__\":[\"x\"]}")
    #expect(loadError(notObject) == .metadataNotString(file: memory, key: "__metadata__"))
}

@Test func errorsFromAFileNameThePath() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("broken.safetensors")
    try Data(safetensorsBytes(header: "{\(entry("w", 0, dtype: "Q4"))}", data: [UInt8](repeating: 0, count: 8))).write(to: url)
    do {
        _ = try SafetensorsFile(contentsOf: url)
        Issue.record("loaded a broken file")
    } catch let error as SafetensorsError {
        #expect(error == .unknownDType(file: url.path, key: "w", dtype: "Q4"))
        #expect(error.description.contains(url.path) && error.description.contains("\"w\"") && error.description.contains("Q4"))
    }
    let missing = directory.appendingPathComponent("absent.safetensors")
    do {
        _ = try SafetensorsFile(contentsOf: missing)
        Issue.record("loaded a missing file")
    } catch let error as SafetensorsError {
        guard case .unreadable(let file, _) = error else { Issue.record("got \(error)"); return }
        #expect(file == missing.path)
    }
}

@Test func everyDescriptionNamesFileAndKey() {
    let errors: [SafetensorsError] = [
        .duplicateKey(file: "f.st", key: "k", parent: nil),
        .missingField(file: "f.st", key: "k", field: "shape"),
        .illTypedField(file: "f.st", key: "k", field: "shape", expected: "an array"),
        .unknownDType(file: "f.st", key: "k", dtype: "X"),
        .negativeShape(file: "f.st", key: "k", shape: [-1]),
        .beginAfterEnd(file: "f.st", key: "k", begin: 2, end: 1),
        .offsetsOutOfRange(file: "f.st", key: "k", begin: 0, end: 9, dataSize: 4),
        .byteCountMismatch(file: "f.st", key: "k", expected: 4, found: 8),
        .overlappingTensors(file: "f.st", key: "k", other: "j"),
        .metadataNotString(file: "f.st", key: "k"),
        .invalidLayout(file: "f.st", key: "k", reason: "bad"),
    ]
    for error in errors {
        #expect(error.description.hasPrefix("f.st: ") && error.description.contains("\"k\""), "\(error)")
    }
}

@Test func emptyAndTinyFilesOnDiskAreTooShort() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for size in [0, 7] {
        let url = directory.appendingPathComponent("tiny\(size).safetensors")
        try Data(repeating: 0, count: size).write(to: url)
        #expect(throws: SafetensorsError.fileTooShort(file: url.path, size: size)) {
            _ = try SafetensorsFile(contentsOf: url)
        }
    }
}
