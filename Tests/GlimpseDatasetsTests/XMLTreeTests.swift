// XMLTreeTests: the XML reader behind VOC annotations: what a VOC file uses is read as
// Foundation's XMLParser read it, and the inputs that killed the process inside FoundationXML
// (found by Fuzz/parsers/run.sh voc) are typed errors.

import Foundation
@testable import GlimpseDatasets
import Testing

@Suite("XML reader")
struct XMLTreeTests {
    func parse(_ text: String) throws(DatasetError) -> XMLTree {
        try XMLTree.parse(Array(text.utf8), file: "a.xml")
    }

    func syntaxError(_ bytes: [UInt8]) -> String? {
        do {
            _ = try XMLTree.parse(bytes, file: "Annotations/c.xml")
            return nil
        } catch {
            return error.kind == .syntax && error.file == "Annotations/c.xml" ? "\(error)" : "wrong error: \(error)"
        }
    }

    @Test func readsWhatAVOCFileUses() throws {
        let tree = try parse("""
            <?xml version="1.0" encoding="utf-8"?>
            <!DOCTYPE annotation [ <!ELEMENT annotation ANY> ]>
            <!-- written by a labelling tool -->
            <annotation verified='no'>
              <filename>a &amp; b&#46;jpg</filename>
              <size><width>64</width><height>48</height></size>
              <object><name><![CDATA[dog <1>]]></name><difficult/></object>
              <?tool v2?>
            </annotation>
            <!-- trailing -->
            """)
        #expect(tree.name == "annotation")
        #expect(tree.children.map(\.name) == ["filename", "size", "object"])
        #expect(tree.children[0].text == "a & b.jpg")
        #expect(tree.children[1].children.map(\.text) == ["64", "48"])
        #expect(tree.children[2].children[0].text == "dog <1>")
        #expect(tree.children[2].children[1].name == "difficult" && tree.children[2].children[1].text.isEmpty)
    }

    @Test func readsADeclaredLatin1DocumentAndAByteOrderMark() throws {
        let latin1: [UInt8] = Array("<?xml version='1.0' encoding='ISO-8859-1'?><a>caf".utf8) + [0xE9] + Array("</a>".utf8)
        #expect(try XMLTree.parse(latin1, file: "l.xml").text == "café")
        #expect(try XMLTree.parse([0xEF, 0xBB, 0xBF] + Array("<a>x</a>".utf8), file: "b.xml").text == "x")
    }

    /// The two inputs that killed the process inside FoundationXML, and others of their kinds.
    @Test func processingInstructionWithoutDataAndNonUTF8NamesAreErrors() throws {
        #expect(try parse("<a><?x?></a>").name == "a")
        #expect(try parse("<?x?><a/>").name == "a")
        #expect(syntaxError(Array("<a><di".utf8) + [0xE6] + Array("fficult/></a>".utf8))?.contains("not UTF-8") == true)
        #expect(syntaxError([0xFF, 0xFE, 0x3C, 0x00])?.contains("UTF-16") == true)
        #expect(syntaxError(Array("<?xml version='1.0' encoding='EBCDIC'?><a/>".utf8))?.contains("ebcdic") == true)
    }

    @Test(arguments: [
        ("", "no root element"), ("text", "expected the root element"), ("<a>", "ends inside <a>"),
        ("<a></b>", "</b> closes <a>"), ("<a/><b/>", "after the root element"), ("<a x></a>", "expected '='"),
        ("<a x=1></a>", "quoted attribute value"), ("<a x='<'></a>", "'<' in an attribute"), ("<a>&nbsp;</a>", "unknown reference"),
        ("<a>&#0;</a>", "unknown reference"), ("<a>& b</a>", "reference"), ("<a><!-- x</a>", "unterminated comment"),
        ("<a><![CDATA[x</a>", "unterminated CDATA"), ("<a><?x </a>", "unterminated processing instruction"),
        ("<!DOCTYPE a [ <a/>", "unterminated DOCTYPE"), ("<1a/>", "expected a name"), ("<a\nb='1'c='2'/>", "line 2"),
    ])
    func malformedDocumentIsATypedError(_ document: String, _ cause: String) {
        let message = syntaxError(Array(document.utf8))
        #expect(message?.contains(cause) == true, "\(document): \(message ?? "accepted")")
    }

    /// Deep nesting is refused at a stated depth, not a stack overflow (the reader does not recurse).
    @Test func deepNestingIsRefusedWithoutRecursion() throws {
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        #expect(syntaxError(Array(deep.utf8))?.contains("deeper than \(XMLTree.maxDepth)") == true)
        let fine = String(repeating: "<a>", count: XMLTree.maxDepth) + String(repeating: "</a>", count: XMLTree.maxDepth)
        var tree = try parse(fine)
        var depth = 1
        while let child = tree.children.first { tree = child; depth += 1 }
        #expect(depth == XMLTree.maxDepth)
    }
}
