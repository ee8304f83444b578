// SafetensorsFile: read, check and write safetensors files (https://github.com/huggingface/safetensors).
//
// The model-facing side: `tensors()` gives every tensor as Float32 keyed by name,
// `checkNames(expected:)` compares a file with the parameters a model wants and reports
// every difference at once, and `SafetensorsFile.write(_:dtype:metadata:to:)` stores a
// model's parameters as F32, F16 or BF16. Loading checks the whole header before
// trusting any offset (see SafetensorsHeader); writing is atomic (see AtomicFile).

import Foundation
import GlimpseFiles
import GlimpseTensor

/// The tensors and metadata of one safetensors file.
public struct SafetensorsFile: Sendable, Equatable {
    /// Header lengths above this are refused before anything is allocated (the reference's limit).
    public static let maximumHeaderLength = 100_000_000

    /// What errors name as the file: its path, or `"<memory>"` for bytes parsed in memory.
    public var source: String
    /// The tensors, sorted by name (UTF-8 byte order).
    public private(set) var entries: [SafetensorsTensor]
    /// The free-form `__metadata__` map (string to string).
    public var metadata: [String: String]
    private var indexByName: [String: Int]

    // MARK: - Building

    /// Collects tensors (names must be unique) and metadata, e.g. to write them.
    public init(tensors: [SafetensorsTensor], metadata: [String: String] = [:], source: String = "<memory>") {
        let sorted = tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        var index: [String: Int] = [:]
        for (i, tensor) in sorted.enumerated() {
            let previous = index.updateValue(i, forKey: tensor.name)
            precondition(previous == nil, "SafetensorsFile: tensor name \"\(tensor.name)\" given twice")
            precondition(tensor.name != SafetensorsHeader.metadataKey,
                         "SafetensorsFile: \"__metadata__\" is reserved and cannot name a tensor")
        }
        self.source = source
        self.entries = sorted
        self.metadata = metadata
        self.indexByName = index
    }

    /// Encodes Float32 tensors as `dtype` (`.f32`, `.f16`, `.bf16` or `.f64`).
    public init(_ tensors: [String: Tensor], dtype: SafetensorsDType = .f32, metadata: [String: String] = [:]) {
        self.init(tensors: tensors.map { SafetensorsTensor(name: $0.key, tensor: $0.value, dtype: dtype) },
                  metadata: metadata)
    }

    // MARK: - Reading

    /// Parses and checks a whole file held in memory; `source` names it in errors.
    public init(bytes: [UInt8], source: String = "<memory>") throws {
        self = try bytes.withUnsafeBytes { try SafetensorsFile(raw: $0, source: source) }
    }

    /// Parses and checks a whole file held in memory; `source` names it in errors.
    public init(data: Data, source: String = "<memory>") throws {
        self = try data.withUnsafeBytes { try SafetensorsFile(raw: $0, source: source) }
    }

    /// Reads, parses and checks the file at `url` (memory-mapped while parsing).
    public init(contentsOf url: URL) throws {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            let reason = (error as NSError).localizedDescription
            throw SafetensorsError.unreadable(file: path, reason: reason)
        }
        try self.init(data: data, source: path)
    }

    private init(raw: UnsafeRawBufferPointer, source: String) throws {
        guard raw.count >= 8 else { throw SafetensorsError.fileTooShort(file: source, size: raw.count) }
        let headerLength = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        // Both checks come before any allocation sized by the untrusted length.
        guard headerLength <= UInt64(SafetensorsFile.maximumHeaderLength) else {
            throw SafetensorsError.headerTooLarge(
                file: source, headerLength: headerLength, limit: SafetensorsFile.maximumHeaderLength)
        }
        guard headerLength <= UInt64(raw.count - 8) else {
            throw SafetensorsError.headerBeyondFile(file: source, headerLength: headerLength, fileSize: raw.count)
        }
        let dataStart = 8 + Int(headerLength)
        let parsed = try SafetensorsHeader.parse(
            Array(raw[8..<dataStart]), dataSize: raw.count - dataStart, file: source)
        let tensors = parsed.entries.map { entry in
            SafetensorsTensor(name: entry.name, dtype: entry.dtype, shape: entry.shape,
                              bytes: Array(raw[(dataStart + entry.range.lowerBound)..<(dataStart + entry.range.upperBound)]))
        }
        self.init(tensors: tensors, metadata: parsed.metadata, source: source)
    }

    // MARK: - Model-facing access

    /// The tensor names, sorted (UTF-8 byte order).
    public var names: [String] { entries.map(\.name) }

    /// The total number of elements over all tensors (a model's parameter count).
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.elementCount } }

    /// The stored tensor with this name, if any.
    public subscript(name: String) -> SafetensorsTensor? {
        indexByName[name].map { entries[$0] }
    }

    /// The tensor with this name as Float32; throws `missingTensor` naming the file if absent.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = self[name] else { throw SafetensorsError.missingTensor(file: source, key: name) }
        return entry.float32()
    }

    /// Every tensor as Float32, keyed by name.
    public func tensors() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        result.reserveCapacity(entries.count)
        for entry in entries { result[entry.name] = entry.float32() }
        return result
    }

    /// Checks that the file holds exactly the `expected` names with the expected shapes;
    /// throws one `namesMismatch` listing every missing key, unexpected key and wrong shape.
    public func checkNames(expected: [String: [Int]]) throws {
        var found = [String: [Int]]()
        for entry in entries { found[entry.name] = entry.shape }
        try Self.checkNames(found: found, expected: expected, source: source)
    }

    /// Compares `found` tensor shapes by name (a file's, or a name-to-tensor map's) with the
    /// `expected` ones; throws one `namesMismatch` naming `source` and every difference.
    public static func checkNames(found: [String: [Int]], expected: [String: [Int]], source: String) throws {
        var missing: [String: [Int]] = [:]
        var wrongShapes: [SafetensorsError.ShapeMismatch] = []
        for (key, shape) in expected {
            guard let foundShape = found[key] else { missing[key] = shape; continue }
            if foundShape != shape {
                wrongShapes.append(.init(key: key, expected: shape, found: foundShape))
            }
        }
        let unexpected = found.filter { expected[$0.key] == nil }
        guard missing.isEmpty && unexpected.isEmpty && wrongShapes.isEmpty else {
            wrongShapes.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            throw SafetensorsError.namesMismatch(
                file: source, missing: missing, unexpected: unexpected, wrongShapes: wrongShapes)
        }
    }

    // MARK: - Writing

    /// The file's bytes as the reference writer lays them out (identical input gives identical bytes).
    public func serialized() -> [UInt8] {
        let ordered = entries.sorted(by: SafetensorsHeader.writingOrder)
        let header = SafetensorsHeader.encode(ordered, metadata: metadata)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + ordered.reduce(0) { $0 + $1.bytes.count })
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for tensor in ordered { bytes.append(contentsOf: tensor.bytes) }
        return bytes
    }

    /// Writes the file to `url` atomically; throws `AtomicFileError` naming the path.
    public func write(to url: URL) throws {
        try AtomicFile.write(serialized(), to: url)
    }

    /// Writes Float32 tensors to `url` atomically, encoded as `dtype` (`.f32`, `.f16`, `.bf16` or `.f64`).
    public static func write(_ tensors: [String: Tensor], dtype: SafetensorsDType = .f32,
                             metadata: [String: String] = [:], to url: URL) throws {
        try SafetensorsFile(tensors, dtype: dtype, metadata: metadata).write(to: url)
    }

    /// Writes named Float32 tensors (names unique) to `url` atomically, encoded as `dtype`.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], dtype: SafetensorsDType = .f32,
                             metadata: [String: String] = [:], to url: URL) throws {
        let encoded = tensors.map { SafetensorsTensor(name: $0.name, tensor: $0.tensor, dtype: dtype) }
        try SafetensorsFile(tensors: encoded, metadata: metadata).write(to: url)
    }

    /// Files are equal when their tensors and metadata are (the source label is ignored).
    public static func == (lhs: SafetensorsFile, rhs: SafetensorsFile) -> Bool {
        lhs.entries == rhs.entries && lhs.metadata == rhs.metadata
    }
}
