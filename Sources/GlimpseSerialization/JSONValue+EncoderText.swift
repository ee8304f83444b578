// JSONValue+EncoderText: the text Foundation's `JSONEncoder` writes with `.sortedKeys` and
// `.withoutEscapingSlashes` (and `.prettyPrinted` when asked), so files the pipeline wrote with
// Codable keep their bytes now that it writes them from `JSONValue`.
//
// What that encoder does, checked against swift-corelibs/swift-foundation on Linux: object keys
// sorted by `String`'s `<` (so "Ab" < "B" < "_x" < "a" < "a10" < "a9"); numbers print their
// `description` with a trailing ".0" removed (`Float` 0.4699895, 1, -0, 1e-05, 1.2345679e+08;
// `Double` 0.4699895083904266); strings escape as `serialized()` does. Pretty text indents by two
// spaces, writes `"key" : value`, and prints an empty array or object as an opening bracket, an
// empty line and the indented closing bracket ("[\n\n  ]"); it ends without a newline.

extension JSONValue {
    /// This value as Foundation's `JSONEncoder` writes it with `.sortedKeys` and
    /// `.withoutEscapingSlashes`, plus `.prettyPrinted` when `pretty`. Object members are sorted
    /// by key (`String` order); a non-finite `.number` or `.float` is a programmer error.
    public func encoderText(pretty: Bool) -> String {
        var out = ""
        writeEncoderText(to: &out, pretty: pretty, indent: 0)
        return out
    }

    /// The `JSONEncoder` text of a `Float` or `Double`: its `description` without a trailing ".0".
    static func encoderNumber<T: BinaryFloatingPoint & CustomStringConvertible>(_ x: T) -> String {
        precondition(x.isFinite, "JSONValue: \(x) has no JSON form")
        let text = x.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    private func writeEncoderText(to out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .integer(x): out += String(x)
        case let .number(x): out += JSONValue.encoderNumber(x)
        case let .float(x): out += JSONValue.encoderNumber(x)
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(items):
            JSONValue.writeContainer(items, open: "[", close: "]", to: &out, pretty: pretty, indent: indent) { item, out in
                item.writeEncoderText(to: &out, pretty: pretty, indent: indent + 1)
            }
        case let .object(members):
            let sorted = members.enumerated().sorted { a, b in
                a.element.key != b.element.key ? a.element.key < b.element.key : a.offset < b.offset
            }.map(\.element)
            JSONValue.writeContainer(sorted, open: "{", close: "}", to: &out, pretty: pretty, indent: indent) { member, out in
                JSONValue.writeString(member.key, to: &out)
                out += pretty ? " : " : ":"
                member.value.writeEncoderText(to: &out, pretty: pretty, indent: indent + 1)
            }
        }
    }

    /// Writes `open`, the elements separated by commas (each on its own indented line when
    /// `pretty`), and `close`.
    private static func writeContainer<Element>(_ elements: [Element], open: String, close: String, to out: inout String,
                                                pretty: Bool, indent: Int, element: (Element, inout String) -> Void) {
        out += open
        if pretty { out += "\n" }
        for (i, item) in elements.enumerated() {
            if i > 0 { out += pretty ? ",\n" : "," }
            if pretty { out += String(repeating: "  ", count: indent + 1) }
            element(item, &out)
        }
        if pretty { out += "\n" + String(repeating: "  ", count: indent) }
        out += close
    }
}
