// XMLTree: a whole XML document as a tree of elements, read by a small parser of our own.
//
// VOC files are small, so the reader builds the tree first and then walks it with ordinary code.
// It used Foundation's XMLParser until the parser fuzzer (Fuzz/parsers, target `voc`) found two
// inputs that kill the process inside FoundationXML: a tag name that is not UTF-8 (a trap in
// _NSXMLParserStartElementNs) and a processing instruction without data, `<?x?>` (strlen of a
// null pointer in _NSXMLParserProcessingInstruction). Neither can be caught from Swift, so the
// reader is now this parser: the XML 1.0 a VOC file uses (declaration, elements, attributes,
// text, the five predefined and numeric character references, CDATA, comments, processing
// instructions, a DOCTYPE that is skipped), iterative, with a nesting limit, every error typed.

import GlimpseSerialization

/// An XML element: its name, the text directly inside it and its child elements.
struct XMLTree {
    /// The tag name.
    var name: String
    /// Concatenated character data directly inside the element (CDATA included, references resolved).
    var text = ""
    /// Child elements in document order.
    var children: [XMLTree] = []

    /// Deepest element nesting accepted (a VOC file nests four deep).
    static let maxDepth = 256

    /// Parses a document (UTF-8, with or without a byte-order mark, or declared US-ASCII or
    /// ISO-8859-1); throws `.syntax` naming the file, the line and the cause.
    static func parse(_ bytes: [UInt8], file: String) throws(DatasetError) -> XMLTree {
        var reader = XMLReader(bytes: try utf8(bytes, file: file), file: file)
        return try reader.document()
    }

    /// The document as UTF-8 bytes: the byte-order mark dropped, ISO-8859-1 converted, any byte
    /// that is not UTF-8 an error naming its line and offset.
    static func utf8(_ bytes: [UInt8], file: String) throws(DatasetError) -> [UInt8] {
        if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) {
            throw DatasetError(.syntax, file: file, "line 1: a UTF-16 document; only UTF-8 (or declared ISO-8859-1) is read")
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        switch declaredEncoding(body) {
        case nil, "utf-8", "utf8", "us-ascii", "ascii":
            if let offset = firstInvalidUTF8Byte(body) {
                let line = 1 + body[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw DatasetError(.syntax, file: file, "line \(line): byte \(offset) is not UTF-8 (the document declares no other encoding)")
            }
            return body
        case "iso-8859-1", "latin1", "latin-1":
            return Array(String(String.UnicodeScalarView(body.map { Unicode.Scalar($0) })).utf8)
        case let other?:
            throw DatasetError(.syntax, file: file, "line 1: encoding '\(other)' is not supported (UTF-8 or ISO-8859-1)")
        }
    }

    /// The `encoding` of the XML declaration, lowercased; nil when there is none.
    static func declaredEncoding(_ bytes: [UInt8]) -> String? {
        guard bytes.starts(with: Array("<?xml".utf8)), let end = bytes.firstIndex(of: UInt8(ascii: ">")) else { return nil }
        let declaration = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        guard let range = declaration.range(of: "encoding") else { return nil }
        let value = declaration[range.upperBound...].drop(while: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" })
        return String(value.prefix(while: { $0 != "\"" && $0 != "'" && $0 != " " && $0 != "?" }))
    }
}

/// The parser behind `XMLTree.parse`: a cursor over valid UTF-8 bytes.
private struct XMLReader {
    let bytes: [UInt8]
    let file: String
    var position = 0

    init(bytes: [UInt8], file: String) {
        (self.bytes, self.file) = (bytes, file)
    }

    /// prolog, one root element, then only comments, processing instructions and white space.
    mutating func document() throws(DatasetError) -> XMLTree {
        try skipMisc(allowDoctype: true)
        guard position < bytes.count, bytes[position] == UInt8(ascii: "<") else {
            throw error(position < bytes.count ? "expected the root element" : "no root element")
        }
        let root = try element()
        try skipMisc(allowDoctype: false)
        if position < bytes.count { throw error("content after the root element") }
        return root
    }

    /// White space, comments, processing instructions (the XML declaration among them) and, before
    /// the root, a DOCTYPE.
    mutating func skipMisc(allowDoctype: Bool) throws(DatasetError) {
        while true {
            while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
            if starts("<?") { try skipProcessingInstruction() }
            else if starts("<!--") { try skipComment() }
            else if allowDoctype, starts("<!DOCTYPE") { try skipDoctype() }
            else { return }
        }
    }

    /// One element and everything inside it, with an explicit stack (no recursion).
    mutating func element() throws(DatasetError) -> XMLTree {
        var stack = [XMLTree]()
        while true {
            // at a '<' that opens an element
            position += 1
            let name = try self.name()
            try attributes()
            if starts("/>") {
                position += 2
                let done = XMLTree(name: name)
                if stack.isEmpty { return done }
                stack[stack.count - 1].children.append(done)
            } else {
                position += 1  // '>'
                stack.append(XMLTree(name: name))
                if stack.count > XMLTree.maxDepth { throw error("elements nest deeper than \(XMLTree.maxDepth)") }
            }
            // content until the next child element's start, or end tags closing the stack
            while true {
                guard position < bytes.count else { throw error("the document ends inside <\(stack.last?.name ?? name)>") }
                if starts("</") {
                    position += 2
                    let closing = try self.name()
                    while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ">") else { throw error("expected '>' after </\(closing)") }
                    position += 1
                    let done = stack.removeLast()
                    guard done.name == closing else { throw error("</\(closing)> closes <\(done.name)>") }
                    if stack.isEmpty { return done }
                    stack[stack.count - 1].children.append(done)
                } else if starts("<!--") {
                    try skipComment()
                } else if starts("<![CDATA[") {
                    position += 9
                    guard let end = find("]]>") else { throw error("unterminated CDATA section") }
                    stack[stack.count - 1].text += String(decoding: bytes[position..<end], as: UTF8.self)
                    position = end + 3
                } else if starts("<?") {
                    try skipProcessingInstruction()
                } else if bytes[position] == UInt8(ascii: "<") {
                    break  // a child element
                } else {
                    stack[stack.count - 1].text += try characterData()
                }
            }
        }
    }

    /// A name: a letter, '_', ':' or any non-ASCII character, then also digits, '-' and '.'.
    mutating func name() throws(DatasetError) -> String {
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            let first = b >= 0x80 || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
            let later = (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
            guard first || (position > start && later) else { break }
            position += 1
        }
        guard position > start else { throw error("expected a name") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// `name="value"` pairs up to `>` or `/>` (read and checked; VOC keeps none of them).
    mutating func attributes() throws(DatasetError) {
        while true {
            let before = position
            while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
            guard position < bytes.count else { throw error("the document ends inside a tag") }
            if bytes[position] == UInt8(ascii: ">") || starts("/>") { return }
            guard position > before else { throw error("expected white space, '>' or '/>' in a tag") }
            _ = try name()
            while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else { throw error("expected '=' after an attribute name") }
            position += 1
            while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                throw error("expected a quoted attribute value")
            }
            let quote = bytes[position]
            position += 1
            while position < bytes.count, bytes[position] != quote {
                if bytes[position] == UInt8(ascii: "<") { throw error("'<' in an attribute value") }
                if bytes[position] == UInt8(ascii: "&") { _ = try reference() } else { position += 1 }
            }
            guard position < bytes.count else { throw error("unterminated attribute value") }
            position += 1
        }
    }

    /// Text up to the next '<', references resolved.
    mutating func characterData() throws(DatasetError) -> String {
        var text = ""
        var start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "<") {
            if bytes[position] == UInt8(ascii: "&") {
                text += String(decoding: bytes[start..<position], as: UTF8.self)
                text.unicodeScalars.append(try reference())
                start = position
            } else {
                position += 1
            }
        }
        return text + String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xH;`; any other entity is an error.
    mutating func reference() throws(DatasetError) -> Unicode.Scalar {
        guard let end = bytes[position...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { throw error("'&' that starts no reference") }
        let body = String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
        let named: [String: Unicode.Scalar] = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'"]
        var scalar = named[body]
        if scalar == nil, body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            if let value, value != 0 { scalar = Unicode.Scalar(value) }
        }
        guard let scalar else { throw error("unknown reference '&\(body);'") }
        position = end + 1
        return scalar
    }

    mutating func skipComment() throws(DatasetError) {
        position += 4
        guard let end = find("-->") else { throw error("unterminated comment") }
        position = end + 3
    }

    mutating func skipProcessingInstruction() throws(DatasetError) {
        position += 2
        _ = try name()
        guard let end = find("?>") else { throw error("unterminated processing instruction") }
        position = end + 2
    }

    /// `<!DOCTYPE ...>` with an optional internal subset in brackets; its declarations are not read.
    mutating func skipDoctype() throws(DatasetError) {
        var inSubset = false
        var quote: UInt8?
        while position < bytes.count {
            let b = bytes[position]
            position += 1
            if let q = quote { if b == q { quote = nil }; continue }
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = b
            case UInt8(ascii: "["): inSubset = true
            case UInt8(ascii: "]"): inSubset = false
            case UInt8(ascii: ">") where !inSubset: return
            default: break
            }
        }
        throw error("unterminated DOCTYPE")
    }

    func starts(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for i in 0..<count where bytes[position + i] != literal.utf8Start[i] { return false }
        return true
    }

    /// The offset of the next `literal` at or after the cursor.
    func find(_ literal: StaticString) -> Int? {
        let count = literal.utf8CodeUnitCount
        var i = position
        while i + count <= bytes.count {
            var match = true
            for j in 0..<count where bytes[i + j] != literal.utf8Start[j] { match = false; break }
            if match { return i }
            i += 1
        }
        return nil
    }

    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }

    /// A syntax error at the cursor's line.
    func error(_ message: String) -> DatasetError {
        let line = 1 + bytes[..<min(position, bytes.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return DatasetError(.syntax, file: file, "line \(line): \(message)")
    }
}
