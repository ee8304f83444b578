// firstInvalidUTF8Byte against the Unicode Standard's well-formed byte sequences (table 3-7):
// valid text of every length, then each kind of ill-formed sequence at a known offset.

import GlimpseSerialization
import Testing

@Suite struct UTF8ValidationTests {
    @Test func wellFormedTextOfEveryLengthIsValid() {
        #expect(firstInvalidUTF8Byte([]) == nil)
        #expect(firstInvalidUTF8Byte(Array("plain ASCII\n".utf8)) == nil)
        // 1, 2, 3 and 4 bytes, and the extremes of each range
        #expect(firstInvalidUTF8Byte(Array("a é € 𝄞 \u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}".utf8)) == nil)
        #expect(firstInvalidUTF8Byte([0xEF, 0xBB, 0xBF]) == nil, "a byte-order mark is well-formed U+FEFF")
    }

    @Test(arguments: [
        ([0xC0, 0x80], "overlong NUL"),
        ([0xC1, 0xBF], "overlong 2-byte form of U+007F"),
        ([0xE0, 0x80, 0x80], "overlong 3-byte form"),
        ([0xE0, 0x9F, 0xBF], "overlong 3-byte form of U+07FF"),
        ([0xF0, 0x8F, 0xBF, 0xBF], "overlong 4-byte form of U+FFFF"),
        ([0xED, 0xA0, 0x80], "high surrogate U+D800"),
        ([0xED, 0xBF, 0xBF], "low surrogate U+DFFF"),
        ([0xF4, 0x90, 0x80, 0x80], "U+110000, above U+10FFFF"),
        ([0xF5, 0x80, 0x80, 0x80], "lead byte F5"),
        ([0xFF], "byte FF"),
        ([0x80], "a continuation byte alone"),
        ([0xE2, 0x82], "3-byte sequence cut by the end"),
        ([0xF0, 0x9F, 0x98], "4-byte sequence cut by the end"),
        ([0xE2, 0x82, 0x41], "3-byte sequence cut by an ASCII byte"),
        ([0xE9], "Latin-1 e-acute"),
    ] as [([UInt8], String)])
    func anIllFormedSequenceIsFoundAtItsFirstByte(sequence: [UInt8], what: String) {
        #expect(firstInvalidUTF8Byte(sequence) == 0, "\(what)")
        // after well-formed text of 1 + 2 + 3 + 4 bytes, and with valid text after it
        let prefix = Array("a\u{E9}\u{20AC}\u{1D11E}".utf8)
        #expect(prefix.count == 10)
        #expect(firstInvalidUTF8Byte(prefix + sequence + Array("z".utf8)) == 10, "\(what)")
    }

    @Test func theFirstOfSeveralIllFormedBytesIsReported() {
        #expect(firstInvalidUTF8Byte(Array("ok".utf8) + [0xC0, 0x80] + Array("x".utf8) + [0xFF]) == 2)
        #expect(firstInvalidUTF8Byte(Array("caf".utf8) + [0xE9] + Array("\n".utf8)) == 3)
    }
}
