// The header's JSON parser on its own: values, escapes, duplicates, limits.

@testable import GlimpseSerialization
import Testing

private func parse(_ text: String) throws -> JSONValue {
    try HeaderJSONParser.parse(Array(text.utf8))
}

@Test func parsesEveryKindOfValue() throws {
    let value = try parse(#" { "a" : [1, -2, 3.5, 1e3, true, false, null, "s"], "b": {}, "c": [] } "#)
    #expect(value == .object([
        JSONMember(key: "a", value: .array([.integer(1), .integer(-2), .number(3.5), .number(1000),
                                            .bool(true), .bool(false), .null, .string("s")])),
        JSONMember(key: "b", value: .object([])),
        JSONMember(key: "c", value: .array([])),
    ]))
}

@Test func integersTooLargeForIntBecomeNumbers() throws {
    #expect(try parse("9223372036854775807") == .integer(Int.max))
    #expect(try parse("9223372036854775808") == .number(9223372036854775808))
    #expect(try parse("-0") == .integer(0))
}

@Test func decodesEscapesAndSurrogatePairs() throws {
    #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    #expect(try parse(#""\u00e9\u0041""#) == .string("éA"))
    #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
    #expect(try parse("\"é😀\"") == .string("é😀"))
}

@Test(arguments: [#""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\u12""#, #""\x""#])
func rejectsBadEscapes(text: String) {
    #expect(throws: JSONParseError.self) { try parse(text) }
}

@Test func rejectsDuplicateKeysNamingThemAndTheirParent() {
    #expect(throws: JSONParseError(problem: .duplicateKey(key: "k", parent: nil), offset: 8)) {
        try parse(#"{"k":1, "k":2}"#)
    }
    #expect(throws: JSONParseError(problem: .duplicateKey(key: "x", parent: "outer"), offset: 16)) {
        try parse(#"{"outer":{"x":1,"x":2}}"#)
    }
}

@Test func boundsNestingDepth() throws {
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: JSONParseError.self) { try parse(deep) }
    let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
    _ = try parse(fine)
}

@Test func reportsTheOffsetOfTheProblem() {
    do {
        _ = try parse(#"{"a": [1, 2,]}"#)
        Issue.record("parsed invalid JSON")
    } catch let error as JSONParseError {
        #expect(error.offset == 12)
    } catch {
        Issue.record("unexpected \(error)")
    }
}
