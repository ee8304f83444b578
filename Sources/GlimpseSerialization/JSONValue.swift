// JSONValue: one JSON value (RFC 8259) as the project reads and writes it, with a deterministic
// writer.
//
// Why not Foundation's JSONSerialization: it silently keeps one of two duplicate keys, loses the
// difference between `true` and `1` on Linux, and prints doubles and key orders in ways that vary
// between platforms. Safetensors headers need duplicates refused and integers told from other
// numbers; the scene generator promises byte-identical files for a seed. So objects keep their
// members in file (or insertion) order, integers and other numbers are separate cases, and
// `serialized()` prints the same bytes on every platform. `JSONParser` reads the text.

/// One `"key": value` member of a JSON object.
public typealias JSONMember = (key: String, value: JSONValue)

/// A JSON value; objects keep their members in file (or insertion) order.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number (always finite).
    case number(Double)
    /// A single-precision number (always finite), written with `Float`'s shortest form (0.4699895,
    /// not the `Double` expansion 0.4699895083904266); the parser never makes one.
    case float(Float)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object as ordered members; keys may repeat unless the parser refused duplicates.
    case object([JSONMember])

    /// Whether `a` and `b` are the same JSON: numbers compare by value (`.integer(4) == .number(4)`,
    /// as JSON has one number type), objects compare members in order.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.integer(x), .number(y)), let (.number(y), .integer(x)): return Int(exactly: y) == x
        case let (.float(x), .float(y)): return x == y
        case let (.float(x), .number(y)), let (.number(y), .float(x)): return Double(x) == y
        case let (.float(x), .integer(y)), let (.integer(y), .float(x)): return Int(exactly: x) == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of the first member named `key` for an object, else nil.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// The number as a `Double` for `.integer`, `.number` and `.float`, else nil.
    public var doubleValue: Double? {
        switch self {
        case let .integer(x): return Double(x)
        case let .number(x): return x
        case let .float(x): return Double(x)
        default: return nil
        }
    }

    /// A word for the type, for error messages: "object", "array", "string", "number", "bool", "null".
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .integer, .number, .float: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: - Writing

    /// Compact JSON text without spaces. An integer prints its digits; a number that is whole (and
    /// below 1e15 in magnitude) prints without a fraction, any other with Swift's shortest form that
    /// round-trips; strings escape `"`, `\`, `\n`, `\r`, `\t`, `\b`, `\f` and other controls as
    /// `\u00xx`, as serde_json and Python's json do (so safetensors headers match the reference
    /// writer's bytes); a `.float` prints as `encoderText` prints it. So the output is the same on every
    /// platform. A non-finite `.number` or `.float` is a programmer error.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(x): out += String(x)
        case let .number(x): out += JSONValue.format(x)
        case let .float(x): out += JSONValue.encoderNumber(x)
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    private static func format(_ x: Double) -> String {
        precondition(x.isFinite, "JSONValue: \(x) has no JSON form")
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"  // Swift prints the shortest representation that round-trips
    }

    /// Appends `s` as a JSON string: quotes, backslashes and control characters escaped, `/` and
    /// non-ASCII text as they are.
    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
