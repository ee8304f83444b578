// SafetensorsError: everything that can be wrong with a safetensors file from outside.
//
// Each case names the file (its path, or "<memory>" for bytes parsed in memory), the
// tensor key when there is one, and the problem, so that a failed load says what to
// fix without a debugger.

/// A safetensors file that cannot be read, or whose contents break the format.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tensor whose shape differs from the one a model expects.
    public struct ShapeMismatch: Equatable, Sendable {
        /// The tensor's key.
        public var key: String
        /// The shape the model expects.
        public var expected: [Int]
        /// The shape in the file.
        public var found: [Int]

        /// Creates a mismatch record.
        public init(key: String, expected: [Int], found: [Int]) {
            self.key = key
            self.expected = expected
            self.found = found
        }
    }

    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file has fewer than the 8 bytes of the header length.
    case fileTooShort(file: String, size: Int)
    /// The header length is larger than the reader accepts (checked before allocating).
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8; `offset` is the first bad byte within the header.
    case headerNotUTF8(file: String, offset: Int)
    /// The header is not valid JSON; `offset` is within the header.
    case invalidJSON(file: String, offset: Int, reason: String)
    /// An object in the header has the same key twice; `parent` is the enclosing key, if nested.
    case duplicateKey(file: String, key: String, parent: String?)
    /// The header's structure is not the format's (not an object, an entry not an object, an unknown field).
    case invalidLayout(file: String, key: String?, reason: String)
    /// A tensor entry lacks `dtype`, `shape` or `data_offsets`.
    case missingField(file: String, key: String, field: String)
    /// A tensor entry's field has the wrong JSON type; `expected` describes the right one.
    case illTypedField(file: String, key: String, field: String, expected: String)
    /// A tensor's dtype string is not one this reader knows.
    case unknownDType(file: String, key: String, dtype: String)
    /// A tensor's shape has a negative extent.
    case negativeShape(file: String, key: String, shape: [Int])
    /// A tensor's element count or byte count overflows.
    case shapeOverflow(file: String, key: String, shape: [Int])
    /// A tensor's `data_offsets` begin after they end.
    case beginAfterEnd(file: String, key: String, begin: Int, end: Int)
    /// A tensor's `data_offsets` lie outside the byte buffer of `dataSize` bytes.
    case offsetsOutOfRange(file: String, key: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range does not hold `product(shape) * dtype size` bytes.
    case byteCountMismatch(file: String, key: String, expected: Int, found: Int)
    /// Two tensors' byte ranges overlap.
    case overlappingTensors(file: String, key: String, other: String)
    /// Bytes `begin..<end` of the buffer belong to no tensor; `before` is the tensor after the gap (nil at the end).
    case holeInBuffer(file: String, begin: Int, end: Int, before: String?)
    /// A `__metadata__` value (or the metadata itself, `key == "__metadata__"`) is not a string.
    case metadataNotString(file: String, key: String)
    /// A tensor asked for by name is not in the file.
    case missingTensor(file: String, key: String)
    /// The file's tensors are not the ones a model expects: all differences at once.
    /// `missing` maps absent keys to their expected shapes, `unexpected` extra keys to their shapes.
    case namesMismatch(file: String, missing: [String: [Int]], unexpected: [String: [Int]], wrongShapes: [ShapeMismatch])

    /// A one-paragraph explanation naming the file, the key and the problem.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read safetensors file: \(reason)"
        case let .fileTooShort(file, size):
            return "\(file): \(size) bytes is shorter than the 8-byte header length of a safetensors file"
        case let .headerTooLarge(file, length, limit):
            return "\(file): header length \(length) exceeds the limit of \(limit) bytes (not a safetensors file?)"
        case let .headerBeyondFile(file, length, size):
            return "\(file): header length \(length) runs past the end of the \(size)-byte file (truncated or not safetensors?)"
        case let .headerNotUTF8(file, offset):
            return "\(file): header is not valid UTF-8 (bad byte at header offset \(offset))"
        case let .invalidJSON(file, offset, reason):
            return "\(file): header is not valid JSON at header offset \(offset): \(reason)"
        case let .duplicateKey(file, key, parent):
            let place = parent.map { " inside \"\($0)\"" } ?? ""
            return "\(file): header has the key \"\(key)\" twice\(place)"
        case let .invalidLayout(file, key, reason):
            return "\(file): \(key.map { "\"\($0)\": " } ?? "header: ")\(reason)"
        case let .missingField(file, key, field):
            return "\(file): tensor \"\(key)\": missing field \"\(field)\""
        case let .illTypedField(file, key, field, expected):
            return "\(file): tensor \"\(key)\": field \"\(field)\" must be \(expected)"
        case let .unknownDType(file, key, dtype):
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(file): tensor \"\(key)\": unknown dtype \"\(dtype)\" (known: \(known))"
        case let .negativeShape(file, key, shape):
            return "\(file): tensor \"\(key)\": negative extent in shape \(shape)"
        case let .shapeOverflow(file, key, shape):
            return "\(file): tensor \"\(key)\": shape \(shape) is too large to address"
        case let .beginAfterEnd(file, key, begin, end):
            return "\(file): tensor \"\(key)\": data_offsets [\(begin), \(end)] begin after they end"
        case let .offsetsOutOfRange(file, key, begin, end, dataSize):
            return "\(file): tensor \"\(key)\": data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data buffer"
        case let .byteCountMismatch(file, key, expected, found):
            return "\(file): tensor \"\(key)\": shape and dtype need \(expected) bytes but data_offsets span \(found)"
        case let .overlappingTensors(file, key, other):
            return "\(file): tensor \"\(key)\": bytes overlap those of tensor \"\(other)\""
        case let .holeInBuffer(file, begin, end, before):
            let place = before.map { "before tensor \"\($0)\"" } ?? "at the end of the buffer"
            return "\(file): data bytes \(begin)..<\(end) belong to no tensor (\(place))"
        case let .metadataNotString(file, key):
            return key == "__metadata__"
                ? "\(file): \"__metadata__\" must be an object of strings"
                : "\(file): metadata \"\(key)\": value must be a string"
        case let .missingTensor(file, key):
            return "\(file): no tensor named \"\(key)\""
        case let .namesMismatch(file, missing, unexpected, wrongShapes):
            var lines = ["\(file): tensors do not match the model:"]
            for key in missing.keys.sorted() { lines.append("  missing \"\(key)\" (expected shape \(missing[key]!))") }
            for key in unexpected.keys.sorted() { lines.append("  unexpected \"\(key)\" (shape \(unexpected[key]!))") }
            for item in wrongShapes {
                lines.append("  \"\(item.key)\": expected shape \(item.expected), found \(item.found)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
