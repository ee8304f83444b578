// SafetensorsHeader: the JSON header of a safetensors file, checked and written.
//
// Format (https://github.com/huggingface/safetensors, README "Format"):
//   8 bytes   N, little-endian UInt64
//   N bytes   UTF-8 JSON object: name -> {"dtype", "shape", "data_offsets": [begin, end]},
//             plus an optional "__metadata__": {string: string}; may end in spaces
//   rest      the byte buffer; offsets are relative to its start
// Tensors must cover the buffer exactly: no holes, no overlaps. Reading checks every
// rule and reports the first broken one; writing follows the reference writer
// (metadata first, tensors by dtype descending then name, JSON without spaces, header
// padded with spaces to a multiple of 8 bytes) so its output is byte-identical.

/// The checked contents of a safetensors header.
struct SafetensorsHeader: Equatable {
    /// Where one tensor's bytes lie in the buffer.
    struct Entry: Equatable {
        /// The tensor's key.
        var name: String
        /// Its element type.
        var dtype: SafetensorsDType
        /// Its shape.
        var shape: [Int]
        /// Its byte range in the buffer after the header.
        var range: Range<Int>
    }

    /// The tensors, in header order.
    var entries: [Entry]
    /// The `__metadata__` map (empty when absent).
    var metadata: [String: String]

    /// The key reserved for the metadata map.
    static let metadataKey = "__metadata__"

    /// Headers refuse duplicate keys (which bytes would a repeated tensor name mean?) and need only
    /// 3 levels of nesting; 64 bounds the recursion on hostile input.
    static let headerParser = JSONParser(rejectsDuplicateKeys: true, maximumDepth: 64)

    /// Parses and checks header bytes against a buffer of `dataSize` bytes; `file` names the source in errors.
    static func parse(_ header: [UInt8], dataSize: Int, file: String) throws -> SafetensorsHeader {
        if let offset = firstInvalidUTF8Byte(header) {
            throw SafetensorsError.headerNotUTF8(file: file, offset: offset)
        }
        let root: JSONValue
        do {
            root = try headerParser.parse(header)
        } catch {
            switch error.problem {
            case .syntax(let reason):
                throw SafetensorsError.invalidJSON(file: file, offset: error.offset, reason: reason)
            case let .duplicateKey(key, parent):
                throw SafetensorsError.duplicateKey(file: file, key: key, parent: parent)
            }
        }
        guard case .object(let members) = root else {
            throw SafetensorsError.invalidLayout(file: file, key: nil, reason: "must be a JSON object, found \(kindName(root))")
        }
        var result = SafetensorsHeader(entries: [], metadata: [:])
        for member in members {
            if member.key == metadataKey {
                result.metadata = try parseMetadata(member.value, file: file)
            } else {
                result.entries.append(try parseEntry(member, dataSize: dataSize, file: file))
            }
        }
        try checkCoverage(result.entries, dataSize: dataSize, file: file)
        return result
    }

    /// A short name of the value's kind with its article, for error messages.
    private static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .integer, .number, .float: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws -> [String: String] {
        if value == .null { return [:] }
        guard case .object(let members) = value else {
            throw SafetensorsError.metadataNotString(file: file, key: metadataKey)
        }
        var metadata: [String: String] = [:]
        for member in members {
            guard case .string(let text) = member.value else {
                throw SafetensorsError.metadataNotString(file: file, key: member.key)
            }
            metadata[member.key] = text
        }
        return metadata
    }

    private static func parseEntry(_ member: JSONMember, dataSize: Int, file: String) throws -> Entry {
        let key = member.key
        guard case .object(let fields) = member.value else {
            throw SafetensorsError.invalidLayout(
                file: file, key: key, reason: "a tensor entry must be an object, found \(kindName(member.value))")
        }
        let known = ["dtype", "shape", "data_offsets"]
        if let unknown = fields.first(where: { !known.contains($0.key) }) {
            throw SafetensorsError.invalidLayout(
                file: file, key: key,
                reason: "unexpected field \"\(unknown.key)\" (a tensor entry has only dtype, shape, data_offsets)")
        }
        func field(_ name: String) throws -> JSONValue {
            guard let value = fields.first(where: { $0.key == name })?.value else {
                throw SafetensorsError.missingField(file: file, key: key, field: name)
            }
            return value
        }
        func integers(_ name: String, _ expected: String) throws -> [Int] {
            guard case .array(let items) = try field(name) else {
                throw SafetensorsError.illTypedField(file: file, key: key, field: name, expected: expected)
            }
            return try items.map { item in
                guard case .integer(let value) = item else {
                    throw SafetensorsError.illTypedField(file: file, key: key, field: name, expected: expected)
                }
                return value
            }
        }

        guard case .string(let dtypeName) = try field("dtype") else {
            throw SafetensorsError.illTypedField(file: file, key: key, field: "dtype", expected: "a string")
        }
        let shape = try integers("shape", "an array of integers")
        let offsets = try integers("data_offsets", "an array of two integers [begin, end]")
        guard offsets.count == 2 else {
            throw SafetensorsError.illTypedField(
                file: file, key: key, field: "data_offsets", expected: "an array of two integers [begin, end]")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw SafetensorsError.unknownDType(file: file, key: key, dtype: dtypeName)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafetensorsError.negativeShape(file: file, key: key, shape: shape)
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw SafetensorsError.beginAfterEnd(file: file, key: key, begin: begin, end: end)
        }
        guard begin >= 0, end <= dataSize else {
            throw SafetensorsError.offsetsOutOfRange(file: file, key: key, begin: begin, end: end, dataSize: dataSize)
        }
        var byteCount = dtype.byteSize
        for extent in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw SafetensorsError.shapeOverflow(file: file, key: key, shape: shape) }
            byteCount = product
        }
        guard byteCount == end - begin else {
            throw SafetensorsError.byteCountMismatch(file: file, key: key, expected: byteCount, found: end - begin)
        }
        return Entry(name: key, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// Checks that the ranges tile `0..<dataSize` exactly.
    private static func checkCoverage(_ entries: [Entry], dataSize: Int, file: String) throws {
        let sorted = entries.sorted {
            ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound)
        }
        var covered = 0
        var previous: String?
        for entry in sorted {
            if entry.range.lowerBound < covered, let previous {
                throw SafetensorsError.overlappingTensors(file: file, key: entry.name, other: previous)
            }
            if entry.range.lowerBound > covered {
                throw SafetensorsError.holeInBuffer(
                    file: file, begin: covered, end: entry.range.lowerBound, before: entry.name)
            }
            covered = entry.range.upperBound
            previous = entry.name
        }
        if covered < dataSize {
            throw SafetensorsError.holeInBuffer(file: file, begin: covered, end: dataSize, before: nil)
        }
    }

    // MARK: - Writing

    /// The order the reference writer lays tensors out in: dtype descending, then name by UTF-8 bytes.
    static func writingOrder(_ a: SafetensorsTensor, _ b: SafetensorsTensor) -> Bool {
        if a.dtype != b.dtype { return a.dtype > b.dtype }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }

    /// The header bytes (JSON padded with spaces to a multiple of 8) for tensors already in
    /// writing order: `JSONValue`'s compact text, metadata keys sorted by UTF-8 bytes, which is
    /// byte for byte what the reference (serde_json) writer produces.
    static func encode(_ tensors: [SafetensorsTensor], metadata: [String: String]) -> [UInt8] {
        var members = [JSONMember]()
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            members.append((metadataKey, .object(keys.map { ($0, .string(metadata[$0]!)) })))
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.bytes.count
            members.append((tensor.name, .object([
                ("dtype", .string(tensor.dtype.rawValue)),
                ("shape", .array(tensor.shape.map { .integer($0) })),
                ("data_offsets", .array([.integer(offset), .integer(end)])),
            ])))
            offset = end
        }
        var json = Array(JSONValue.object(members).serialized().utf8)
        let padding = (8 - json.count % 8) % 8
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: padding))
        return json
    }
}
