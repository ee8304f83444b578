// HeaderJSON: a small strict JSON parser for safetensors headers (RFC 8259).
//
// Why not Foundation's JSONSerialization: it silently keeps one of two duplicate keys,
// and a header with a tensor name twice is ambiguous about which bytes are the weights.
// This parser rejects duplicate keys (naming them), keeps object members in file order
// so errors report the first problem in the file, tells integers from other numbers,
// and bounds nesting depth so a hostile header cannot overflow the stack.
// It reads bytes already checked to be UTF-8.

/// A parsed JSON value.
indirect enum JSONValue: Equatable, Sendable {
    /// An object, members in file order (keys are unique).
    case object([JSONMember])
    /// An array.
    case array([JSONValue])
    /// A string.
    case string(String)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number.
    case number(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// A short name of the value's kind, for error messages.
    var kindName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .integer, .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

/// One `"key": value` member of a JSON object.
struct JSONMember: Equatable, Sendable {
    /// The member's key.
    var key: String
    /// The member's value.
    var value: JSONValue
}

/// Why a JSON text could not be parsed.
struct JSONParseError: Error, Equatable, Sendable {
    /// What went wrong.
    enum Problem: Equatable, Sendable {
        /// The text is not valid JSON; the string says what was expected.
        case syntax(String)
        /// An object has `key` twice; `parent` is the key of the object holding it (nil at top level).
        case duplicateKey(key: String, parent: String?)
    }

    /// What went wrong.
    var problem: Problem
    /// The byte offset in the text where it went wrong.
    var offset: Int
}

/// A recursive-descent JSON parser over UTF-8 bytes.
struct HeaderJSONParser {
    /// Deeper nesting than this is refused (a safetensors header needs 3 levels).
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    /// Parses `bytes` as one JSON value, surrounded by optional whitespace.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = HeaderJSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(parentKey: nil)
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.syntax("end of text after the top-level value") }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func syntax(_ expected: String) -> JSONParseError {
        let found = position < bytes.count ? "'\(printable(bytes[position]))'" : "end of text"
        return JSONParseError(problem: .syntax("expected \(expected), found \(found)"), offset: position)
    }

    private func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard current == byte else { throw syntax(what) }
        position += 1
    }

    private mutating func parseValue(parentKey: String?) throws -> JSONValue {
        guard let byte = current else { throw syntax("a JSON value") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(parentKey: parentKey)
        case UInt8(ascii: "["): return try parseArray(parentKey: parentKey)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw syntax("a JSON value")
        }
    }

    private mutating func enter() throws {
        depth += 1
        if depth > HeaderJSONParser.maximumDepth {
            throw JSONParseError(problem: .syntax("nesting deeper than \(HeaderJSONParser.maximumDepth) levels"),
                                 offset: position)
        }
    }

    private mutating func parseObject(parentKey: String?) throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1  // {
        var members: [JSONMember] = []
        var seen: Set<String> = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else { throw syntax("a string key") }
            let key = try parseString()
            if !seen.insert(key).inserted {
                throw JSONParseError(problem: .duplicateKey(key: key, parent: parentKey), offset: keyOffset)
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a key")
            skipWhitespace()
            members.append(JSONMember(key: key, value: try parseValue(parentKey: key)))
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return .object(members)
        }
    }

    private mutating func parseArray(parentKey: String?) throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(parentKey: parentKey))
            skipWhitespace()
            if current == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        }
    }

    private mutating func parseLiteral(_ word: String) throws {
        for byte in word.utf8 {
            guard current == byte else { throw syntax("'\(word)'") }
            position += 1
        }
    }

    /// Parses a string starting at its opening quote; raw bytes are UTF-8 (checked by the caller).
    private mutating func parseString() throws -> String {
        position += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw syntax("'\"' closing a string") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw syntax("an escaped control character in a string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws {
        guard let byte = current else { throw syntax("an escape character") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate (RFC 8259 section 7).
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
                else { throw syntax("a low surrogate escape after a high surrogate") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    position -= 6
                    throw syntax("a low surrogate (\\uDC00-\\uDFFF) after a high surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                position -= 6
                throw syntax("a high surrogate before a low surrogate")
            }
            utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        default:
            position -= 1
            throw syntax("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw syntax("4 hex digits after \\u") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw syntax("4 hex digits after \\u")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// Parses `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else {
            guard skipDigits() > 0 else { throw syntax("a digit") }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard skipDigits() > 0 else { throw syntax("a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() > 0 else { throw syntax("a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int(text) { return .integer(value) }
        guard let value = Double(text) else { throw syntax("a number") }
        return .number(value)
    }

    private mutating func skipDigits() -> Int {
        let start = position
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
        return position - start
    }
}
