// JSONParser: a strict recursive-descent reader of JSON text (RFC 8259) into `JSONValue`.
//
// Strict: only the RFC's grammar (no comments, trailing commas, NaN or leading zeros), strings
// must be UTF-8 and surrogate escapes paired. It tells integers from other numbers, keeps object
// members in file order so errors report the first problem in the file, can refuse duplicate keys
// (naming the key and the key of the object holding it), and bounds nesting so a hostile file
// cannot overflow the stack. Errors carry the byte offset; `JSONParseError.location(in:)` turns it
// into a line and column.

/// Why a JSON text could not be parsed.
public struct JSONParseError: Error, Equatable, Sendable {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// The text is not valid JSON; the string says what was expected.
        case syntax(String)
        /// An object has `key` twice; `parent` is the key of the value holding it (nil at top level).
        case duplicateKey(key: String, parent: String?)
    }

    /// What went wrong.
    public var problem: Problem
    /// The byte offset in the text where it went wrong.
    public var offset: Int

    /// Creates an error at byte `offset`.
    public init(problem: Problem, offset: Int) {
        self.problem = problem
        self.offset = offset
    }

    /// The problem in words, e.g. "expected ',' or '}'" or "duplicate key \"k\" in \"outer\"".
    public var message: String {
        switch problem {
        case let .syntax(message): return message
        case let .duplicateKey(key, parent?): return "duplicate key \"\(key)\" in \"\(parent)\""
        case let .duplicateKey(key, nil): return "duplicate key \"\(key)\""
        }
    }

    /// The 1-based line and column (in bytes) of `offset` in `bytes`, the text that was parsed.
    public func location(in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for byte in bytes[0..<min(max(offset, 0), bytes.count)] {
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}

/// Reads JSON text into a `JSONValue`, with options for duplicate keys and nesting depth.
public struct JSONParser: Sendable {
    /// Whether an object with the same key twice is an error (else both members are kept, in order).
    public var rejectsDuplicateKeys: Bool
    /// The most arrays and objects that may nest inside each other.
    public var maximumDepth: Int

    /// A parser; `maximumDepth` must be at least 1.
    public init(rejectsDuplicateKeys: Bool = false, maximumDepth: Int = 512) {
        precondition(maximumDepth >= 1, "JSONParser: maximumDepth \(maximumDepth) must be at least 1")
        self.rejectsDuplicateKeys = rejectsDuplicateKeys
        self.maximumDepth = maximumDepth
    }

    /// Parses `bytes` (UTF-8) as one JSON value, surrounded by optional whitespace.
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        var cursor = Cursor(bytes: bytes, options: self)
        cursor.skipSpace()
        let value = try cursor.value(depth: 0, parentKey: nil)
        cursor.skipSpace()
        if cursor.position != bytes.count { throw cursor.fail("unexpected text after the JSON value") }
        return value
    }

    /// The parser's position in the text; one per `parse` call.
    private struct Cursor {
        let bytes: [UInt8]
        let options: JSONParser
        var position = 0

        init(bytes: [UInt8], options: JSONParser) {
            self.bytes = bytes
            self.options = options
        }

        func fail(_ message: String) -> JSONParseError {
            JSONParseError(problem: .syntax(message), offset: position)
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpace() {
            while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: String) throws(JSONParseError) {
            for b in literal.utf8 {
                guard current == b else { throw fail("expected '\(literal)'") }
                position += 1
            }
        }

        /// One value; `depth` counts the arrays and objects around it, `parentKey` is the key of the
        /// nearest enclosing member (for duplicate-key errors).
        mutating func value(depth: Int, parentKey: String?) throws(JSONParseError) -> JSONValue {
            guard let byte = current else { throw fail("unexpected end of file") }
            switch byte {
            case UInt8(ascii: "{"):
                try enter(depth)
                return try object(depth: depth + 1, parentKey: parentKey)
            case UInt8(ascii: "["):
                try enter(depth)
                return try array(depth: depth + 1, parentKey: parentKey)
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default:
                return try number()
            }
        }

        func enter(_ depth: Int) throws(JSONParseError) {
            guard depth < options.maximumDepth else { throw fail("nesting deeper than \(options.maximumDepth)") }
        }

        mutating func object(depth: Int, parentKey: String?) throws(JSONParseError) -> JSONValue {
            position += 1  // {
            var members = [JSONMember]()
            var seen = Set<String>()
            skipSpace()
            if current == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipSpace()
                let keyOffset = position
                guard current == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                let key = try string()
                if options.rejectsDuplicateKeys, !seen.insert(key).inserted {
                    throw JSONParseError(problem: .duplicateKey(key: key, parent: parentKey), offset: keyOffset)
                }
                skipSpace()
                try expect(":")
                skipSpace()
                members.append((key, try value(depth: depth, parentKey: key)))
                skipSpace()
                guard let next = current else { throw fail("unexpected end of file in an object") }
                if next == UInt8(ascii: ",") { position += 1; continue }
                if next == UInt8(ascii: "}") { position += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int, parentKey: String?) throws(JSONParseError) -> JSONValue {
            position += 1  // [
            var items = [JSONValue]()
            skipSpace()
            if current == UInt8(ascii: "]") { position += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth, parentKey: parentKey))
                skipSpace()
                guard let next = current else { throw fail("unexpected end of file in an array") }
                if next == UInt8(ascii: ",") { position += 1; continue }
                if next == UInt8(ascii: "]") { position += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        /// A number: the longest run of number characters, which must match the RFC grammar
        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and be finite. Without fraction
        /// or exponent and within `Int`, it is an `.integer`.
        mutating func number() throws(JSONParseError) -> JSONValue {
            let start = position
            var isInteger = true
            while let b = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-")
                    || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { isInteger = false }
                position += 1
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if position > start, Self.isJSONNumber(bytes[start..<position]) {
                if isInteger, let x = Int(text) { return .integer(x) }
                if let x = Double(text), x.isFinite { return .number(x) }
            }
            position = start
            throw fail("expected a value")
        }

        /// Whether `text` matches the RFC 8259 number grammar.
        static func isJSONNumber(_ text: ArraySlice<UInt8>) -> Bool {
            var i = text.startIndex
            func digits() -> Int {
                let start = i
                while i < text.endIndex, text[i] >= 0x30, text[i] <= 0x39 { i += 1 }
                return i - start
            }
            if i < text.endIndex, text[i] == UInt8(ascii: "-") { i += 1 }
            guard i < text.endIndex else { return false }
            if text[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
            if i < text.endIndex, text[i] == UInt8(ascii: ".") {
                i += 1
                if digits() == 0 { return false }
            }
            if i < text.endIndex, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
                i += 1
                if i < text.endIndex, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") { i += 1 }
                if digits() == 0 { return false }
            }
            return i == text.endIndex
        }

        /// A string starting at its opening quote; its bytes must be UTF-8.
        mutating func string() throws(JSONParseError) -> String {
            position += 1  // opening quote
            var utf8 = [UInt8]()
            while true {
                guard let b = current else { throw fail("unterminated string") }
                position += 1
                if b == UInt8(ascii: "\"") { break }
                if b < 0x20 { throw fail("control character in a string") }
                guard b == UInt8(ascii: "\\") else { utf8.append(b); continue }
                guard let e = current else { throw fail("unterminated escape") }
                position += 1
                switch e {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        // A high surrogate must be followed by an escaped low one (RFC 8259 section 7).
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("bad \\u escape") }
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("bad escape")
                }
            }
            guard let s = String(validating: utf8, as: UTF8.self) else { throw fail("string is not UTF-8") }
            return s
        }

        /// Exactly four hex digits after `\u`.
        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("bad \\u escape") }
            var code: UInt32 = 0
            for b in bytes[position..<(position + 4)] {
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: throw fail("bad \\u escape")
                }
                code = code << 4 | UInt32(digit)
            }
            position += 4
            return code
        }
    }
}
