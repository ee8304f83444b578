// XMLTree: a whole XML document as a tree of elements, built with Foundation's XMLParser.
//
// VOC files are small, so the reader builds the tree first and then walks it with ordinary code.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element: its name, the text directly inside it and its child elements.
struct XMLTree {
    /// The tag name.
    var name: String
    /// Concatenated character data directly inside the element.
    var text = ""
    /// Child elements in document order.
    var children: [XMLTree] = []

    /// Parses a document; throws `.syntax` naming the file, line and the parser's message.
    static func parse(_ bytes: [UInt8], file: String) throws(DatasetError) -> XMLTree {
        // FoundationXML traps (the process dies) on a tag name that is not UTF-8, so a document
        // read as UTF-8 is checked here first; one that declares another encoding, or starts with
        // a UTF-16 byte-order mark, is left to libxml2, which converts it before any name is seen.
        if readsAsUTF8(bytes), let offset = firstInvalidUTF8Byte(bytes) {
            let line = 1 + bytes[..<offset].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DatasetError(.syntax, file: file, "line \(line): byte \(offset) is not UTF-8 (the document declares no other encoding)")
        }
        let parser = XMLParser(data: Data(bytes))
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let message = parser.parserError.map { "\($0.localizedDescription)" } ?? "not a well-formed XML document"
            throw DatasetError(.syntax, file: file, "line \(parser.lineNumber): \(message)")
        }
        return root
    }

    /// Whether libxml2 reads `bytes` as UTF-8: no UTF-16 byte-order mark and no `encoding=` in
    /// the XML declaration other than UTF-8.
    static func readsAsUTF8(_ bytes: [UInt8]) -> Bool {
        if bytes.count >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) { return false }
        guard bytes.starts(with: Array("<?xml".utf8)), let end = bytes.firstIndex(of: UInt8(ascii: ">")) else { return true }
        let declaration = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        guard let range = declaration.range(of: "encoding") else { return true }
        let value = declaration[range.upperBound...].drop(while: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" })
        return value.hasPrefix("utf-8") || value.hasPrefix("utf8")
    }

    /// The offset of the first byte that is not part of well-formed UTF-8, or nil.
    static func firstInvalidUTF8Byte(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLTree] = []
        var root: XMLTree?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            stack.append(XMLTree(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard let done = stack.popLast() else { return }
            if stack.isEmpty { root = done } else { stack[stack.count - 1].children.append(done) }
        }
    }
}
