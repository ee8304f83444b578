// The JSON parser on its own: values, escapes, integers against other numbers, duplicate keys,
// nesting limits and where errors point. `strict` has the settings safetensors headers use.

import GlimpseSerialization
import Testing

private let strict = JSONParser(rejectsDuplicateKeys: true, maximumDepth: 64)

private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    try strict.parse(Array(text.utf8))
}

/// The case of each value, so a test can check integers apart from other numbers (`==` compares
/// numbers by value).
private func kind(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "bool"
    case .integer: return "integer"
    case .number: return "number"
    case .float: return "float"
    case .string: return "string"
    case .array: return "array"
    case .object: return "object"
    }
}

/// The error parsing `text` throws, or nil if it parses.
private func parseError(_ text: String, parser: JSONParser = strict) -> JSONParseError? {
    do {
        _ = try parser.parse(Array(text.utf8))
        return nil
    } catch {
        return error
    }
}

@Test func parsesEveryKindOfValue() throws {
    let value = try parse(#" { "a" : [1, -2, 3.5, 1e3, true, false, null, "s"], "b": {}, "c": [] } "#)
    #expect(value == .object([
        ("a", .array([.integer(1), .integer(-2), .number(3.5), .number(1000),
                      .bool(true), .bool(false), .null, .string("s")])),
        ("b", .object([])),
        ("c", .array([])),
    ]))
    guard case .array(let items)? = value["a"] else { Issue.record("no array under a"); return }
    #expect(items.map(kind) == ["integer", "integer", "number", "number", "bool", "bool", "null", "string"])
}

@Test func integersTooLargeForIntBecomeNumbers() throws {
    #expect(try parse("9223372036854775807") == .integer(Int.max))
    #expect(try parse("9223372036854775808") == .number(9223372036854775808))
    #expect(kind(try parse("9223372036854775808")) == "number")
    #expect(try parse("-0") == .integer(0))
    #expect(kind(try parse("-0")) == "integer")
}

@Test func integersAndOtherNumbersAreDistinctCasesButEqualByValue() throws {
    #expect(kind(try parse("2")) == "integer")
    for text in ["2.0", "2e0", "0.2e1", "20E-1"] {
        #expect(kind(try parse(text)) == "number", "\(text)")
        #expect(try parse(text) == .integer(2), "\(text)")
    }
    #expect(JSONValue.integer(2) == .number(2) && JSONValue.number(2) == .integer(2))
    #expect(JSONValue.integer(2) != .number(2.5))
    #expect(JSONValue.integer(Int.max) != .number(9223372036854775808))
    #expect(JSONValue.integer(7).doubleValue == 7 && JSONValue.number(0.5).doubleValue == 0.5)
    #expect(JSONValue.string("7").doubleValue == nil && JSONValue.null.doubleValue == nil)
    #expect(JSONValue.integer(7).typeName == "number" && JSONValue.number(0.5).typeName == "number")
}

@Test func decodesEscapesAndSurrogatePairs() throws {
    #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    #expect(try parse(#""\u00e9\u0041""#) == .string("éA"))
    #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
    #expect(try parse("\"é😀\"") == .string("é😀"))
}

@Test(arguments: [#""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\u12""#, #""\x""#, #""\u+123""#])
func rejectsBadEscapes(text: String) {
    #expect(throws: JSONParseError.self) { try parse(text) }
}

@Test(arguments: ["", "+1", "01", "1.", ".5", "1e", "--1", "1.2.3", "1e999", "NaN", "[1,]", "{\"a\" 1}",
                  "{\"a\":1,}", "{'a':1}", "tru", "[1] x", "\"\u{01}\""])
func rejectsTextOutsideTheGrammar(text: String) {
    #expect(parseError(text) != nil, "\(text.debugDescription)")
}

@Test func rejectsStringsThatAreNotUTF8() {
    let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
    #expect(throws: JSONParseError(problem: .syntax("string is not UTF-8"), offset: 5)) { try strict.parse(bytes) }
}

@Test func rejectsDuplicateKeysNamingThemAndTheirParent() {
    #expect(throws: JSONParseError(problem: .duplicateKey(key: "k", parent: nil), offset: 8)) {
        try parse(#"{"k":1, "k":2}"#)
    }
    #expect(throws: JSONParseError(problem: .duplicateKey(key: "x", parent: "outer"), offset: 16)) {
        try parse(#"{"outer":{"x":1,"x":2}}"#)
    }
    #expect(parseError(#"{"outer":{"x":1,"x":2}}"#)?.message == #"duplicate key "x" in "outer""#)
}

@Test func keepsDuplicateKeysInOrderWhenAllowed() throws {
    let lenient = JSONParser(rejectsDuplicateKeys: false)
    let value = try lenient.parse(Array(#"{"k":1,"j":true,"k":"two"}"#.utf8))
    #expect(value == .object([("k", .integer(1)), ("j", .bool(true)), ("k", .string("two"))]))
    #expect(value["k"] == .integer(1), "a lookup takes the first member")
    #expect(value.serialized() == #"{"k":1,"j":true,"k":"two"}"#)
}

@Test func boundsNestingDepth() throws {
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: JSONParseError.self) { try parse(deep) }
    let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
    _ = try parse(fine)

    let shallow = JSONParser(maximumDepth: 3)
    #expect(try shallow.parse(Array(#"[{"a":[1]}]"#.utf8)) == .array([.object([("a", .array([.integer(1)]))])]))
    #expect(throws: JSONParseError(problem: .syntax("nesting deeper than 3"), offset: 3)) {
        try shallow.parse(Array("[[[[1]]]]".utf8))
    }
}

@Test func reportsTheOffsetOfTheProblem() {
    #expect(parseError(#"{"a": [1, 2,]}"#)?.offset == 12)
}

@Test func reportsLineAndColumnOfASyntaxError() throws {
    let text = Array("{\n  \"a\": [1,\n  }".utf8)
    let error = try #require(parseError(String(decoding: text, as: UTF8.self)))
    #expect(error.problem == .syntax("expected a value"))
    #expect(error.location(in: text) == (line: 3, column: 3))
    #expect(JSONParseError(problem: .syntax("x"), offset: 0).location(in: text) == (line: 1, column: 1))
}
