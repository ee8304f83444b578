// The JSON writer: compact, deterministic output that the parser reads back equal.

import GlimpseSerialization
import Testing

@Test func writerRoundTripsThroughTheParser() throws {
    let text = #"{"b":[1,2.5,-0.03,true,false,null],"a":"x\"\\\n\u00e9","c":{},"d":[[]],"e":-7}"#
    let value = try JSONParser().parse(Array(text.utf8))
    #expect(value.serialized() == #"{"b":[1,2.5,-0.03,true,false,null],"a":"x\"\\\né","c":{},"d":[[]],"e":-7}"#)
    #expect(try JSONParser().parse(Array(value.serialized().utf8)) == value)
}

@Test func writerPrintsIntegersAsDigitsAndWholeNumbersWithoutFraction() {
    #expect(JSONValue.integer(-42).serialized() == "-42")
    #expect(JSONValue.integer(10_000_000_000_000_000).serialized() == "10000000000000000")
    #expect(JSONValue.integer(Int.min).serialized() == "-9223372036854775808")
    #expect(JSONValue.number(3).serialized() == "3")
    #expect(JSONValue.number(-0.0).serialized() == "0")
    #expect(JSONValue.number(0.1).serialized() == "0.1")
    #expect(JSONValue.number(1.0 / 3).serialized() == "0.3333333333333333")
    #expect(JSONValue.number(1e15).serialized() == "1000000000000000.0", "Swift's shortest form from 1e15 on")
    #expect(JSONValue.number(1e16).serialized() == "1e+16")
    #expect(JSONValue.number(2.5e-7).serialized() == "2.5e-07")
}

@Test func writerEscapesStrings() throws {
    let text = "q\" b\\ n\n r\r t\t \u{01}\u{08}\u{0C}\u{1F} / é 😀"
    let written = JSONValue.string(text).serialized()
    #expect(written == #""q\" b\\ n\n r\r t\t \u0001\b\f\u001f / é 😀""#)
    #expect(try JSONParser().parse(Array(written.utf8)) == .string(text))
}

@Test func writerKeepsMemberOrder() {
    let value = JSONValue.object([("z", .integer(1)), ("a", .array([.string("s"), .null])), ("m", .bool(false))])
    #expect(value.serialized() == #"{"z":1,"a":["s",null],"m":false}"#)
}
