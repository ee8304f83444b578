// JSONValue: a small JSON reader and deterministic writer (RFC 8259) for annotation files.
//
// Foundation's JSONSerialization loses the difference between `true` and `1` on Linux and prints
// doubles and key orders in ways that vary between platforms; the generator promises byte-identical
// files for a seed, so the project reads and writes JSON itself. Objects keep their key order.

import Foundation

/// A JSON value; objects keep their keys in file (or insertion) order.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// Any number (JSON does not distinguish integers).
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object as ordered key-value pairs.
    case object([(String, JSONValue)])

    /// Pairwise equality; objects compare key order too.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The value under `key` for an object (first match), else nil.
    public subscript(key: String) -> JSONValue? {
        if case let .object(pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    /// A word for the type, for error messages: "object", "array", "string", "number", "bool", "null".
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: - Writing

    /// Compact JSON text; numbers that are whole print without a fraction, others with up to 17
    /// significant digits (shortest round-trip form), so the output is the same on every platform.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(x): out += JSONValue.format(x)
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(pair.0, to: &out)
                out += ":"
                pair.1.write(to: &out)
            }
            out += "}"
        }
    }

    static func format(_ x: Double) -> String {
        precondition(x.isFinite, "JSONValue: \(x) has no JSON form")
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"  // Swift prints the shortest representation that round-trips
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    // MARK: - Reading

    /// Parses JSON text; throws `.syntax` naming `file` and the line and column.
    public static func parse(_ bytes: [UInt8], file: String) throws(DatasetError) -> JSONValue {
        var parser = Parser(bytes: bytes, file: file)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        if parser.position != bytes.count { throw parser.fail("unexpected text after the JSON value") }
        return value
    }

    /// Reads and parses a JSON file.
    public static func read(_ path: String) throws(DatasetError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.unreadable, file: path, "no such file or it cannot be read")
        }
        return try parse([UInt8](data), file: path)
    }

    private struct Parser {
        let bytes: [UInt8]
        let file: String
        var position = 0

        func fail(_ message: String) -> DatasetError {
            var line = 1, column = 1
            for b in bytes[0..<min(position, bytes.count)] {
                if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            }
            return DatasetError(.syntax, file: file, "line \(line) column \(column): \(message)")
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ literal: String) throws(DatasetError) {
            for b in literal.utf8 {
                guard position < bytes.count, bytes[position] == b else { throw fail("expected '\(literal)'") }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(DatasetError) -> JSONValue {
            guard depth < 512 else { throw fail("nesting deeper than 512") }
            guard position < bytes.count else { throw fail("unexpected end of file") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var pairs = [(String, JSONValue)]()
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                    let key = try string()
                    skipSpace()
                    try expect(":")
                    skipSpace()
                    pairs.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard position < bytes.count else { throw fail("unexpected end of file in an object") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                position += 1
                var items = [JSONValue]()
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.count else { throw fail("unexpected end of file in an array") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default:
                return .number(try number())
            }
        }

        mutating func number() throws(DatasetError) -> Double {
            let start = position
            let allowed = Set("+-0123456789.eE".utf8)
            while position < bytes.count, allowed.contains(bytes[position]) { position += 1 }
            guard position > start, let text = String(bytes: bytes[start..<position], encoding: .ascii),
                  let x = Double(text), x.isFinite else {
                position = start
                throw fail("expected a value")
            }
            return x
        }

        mutating func string() throws(DatasetError) -> String {
            position += 1  // opening quote
            var utf8 = [UInt8]()
            while true {
                guard position < bytes.count else { throw fail("unterminated string") }
                let b = bytes[position]
                position += 1
                if b == UInt8(ascii: "\"") { break }
                if b < 0x20 { throw fail("control character in a string") }
                guard b == UInt8(ascii: "\\") else { utf8.append(b); continue }
                guard position < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[position]
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
            guard let s = String(bytes: utf8, encoding: .utf8) else { throw fail("string is not UTF-8") }
            return s
        }

        mutating func hex4() throws(DatasetError) -> UInt32 {
            guard position + 4 <= bytes.count,
                  let text = String(bytes: bytes[position..<(position + 4)], encoding: .ascii),
                  let code = UInt32(text, radix: 16) else { throw fail("bad \\u escape") }
            position += 4
            return code
        }
    }
}
