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
        let parser = XMLParser(data: Data(bytes))
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let message = parser.parserError.map { "\($0.localizedDescription)" } ?? "not a well-formed XML document"
            throw DatasetError(.syntax, file: file, "line \(parser.lineNumber): \(message)")
        }
        return root
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
