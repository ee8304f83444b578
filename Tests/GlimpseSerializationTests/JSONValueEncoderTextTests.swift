// encoderText: the same bytes as Foundation's JSONEncoder (.sortedKeys, .withoutEscapingSlashes,
// and .prettyPrinted when asked) for numbers, strings, key orders and empty containers.

import Foundation
import GlimpseSerialization
import Testing

/// A Codable value with the awkward cases, and the same value as a `JSONValue`.
private struct Awkward: Encodable {
    var floats: [Float] = [0.4699895, 1, -0.0, 1e-05, 1.5e-45, 3.4028235e38, 123456789, 16777216, 0.1, -2.5]
    var doubles: [Double] = [0.4699895083904266, 1, -0.0, 1e-07, 1e15, 1e16, 0.30000000000000004, 5e-324]
    var text = "a/b \"q\" \\ \n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F} é 😀 \u{2028}"
    var keys: [String: Int] = ["a10": 1, "a9": 2, "B": 3, "_x": 4, "Ab": 5, "a-b": 6, "Ärger": 7, "a": 8]
    var emptyArray: [Int] = []
    var emptyObject: [String: Int] = [:]
    var nested: [String: [[Int]]] = ["k": [[], [1, 2]]]
    var flag = true
    var count = -42

    var json: JSONValue {
        .object([
            ("text", .string(text)), ("floats", .array(floats.map { .float($0) })),
            ("doubles", .array(doubles.map { .number($0) })),
            ("keys", .object(keys.map { ($0.key, .integer($0.value)) })),
            ("emptyArray", .array([])), ("emptyObject", .object([])),
            ("nested", .object([("k", .array([.array([]), .array([.integer(1), .integer(2)])]))])),
            ("flag", .bool(true)), ("count", .integer(-42)),
        ])
    }
}

@Test(arguments: [false, true]) func encoderTextMatchesFoundationsEncoder(pretty: Bool) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    let value = Awkward()
    #expect(value.json.encoderText(pretty: pretty) == String(decoding: try encoder.encode(value), as: UTF8.self))
}

@Test func encoderTextPrettyLayout() {
    let value = JSONValue.object([("b", .array([])), ("a", .object([("x", .float(0.5))])), ("c", .array([.null]))])
    #expect(value.encoderText(pretty: true) == "{\n  \"a\" : {\n    \"x\" : 0.5\n  },\n  \"b\" : [\n\n  ],\n  \"c\" : [\n    null\n  ]\n}")
    #expect(value.encoderText(pretty: false) == #"{"a":{"x":0.5},"b":[],"c":[null]}"#)
}

@Test func floatKeepsSinglePrecisionAndLeavesTheCompactWriterAlone() throws {
    #expect(JSONValue.float(0.4699895).serialized() == "0.4699895")
    #expect(JSONValue.float(2).serialized() == "2")
    #expect(JSONValue.number(Double(Float(0.4699895))).serialized() == "0.46998950839042664", "a Double prints all its digits")
    #expect(JSONValue.number(-0.0).serialized() == "0", "the compact writer is unchanged")
    #expect(JSONValue.number(-0.0).encoderText(pretty: false) == "-0", "JSONEncoder keeps the sign")
    #expect(JSONValue.float(0.5) == .number(0.5) && JSONValue.float(3) == .integer(3) && JSONValue.float(0.1) != .number(0.1))
    #expect(JSONValue.float(0.25).doubleValue == 0.25 && JSONValue.float(1).typeName == "number")
    #expect(try JSONParser().parse(Array(JSONValue.float(1e-05).serialized().utf8)) == .number(1e-05))
}
