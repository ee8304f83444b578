// UTF8Validation: where bytes stop being well-formed UTF-8, the one check behind every reader
// that refuses text in another encoding (safetensors headers, VOC's XML, pipeline files) rather
// than decoding it to U+FFFD. Well-formed means the Unicode Standard's table 3-7 (section 3.9):
// no overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no truncated
// sequence; the standard library's UTF-8 decoder refuses exactly these.

/// The offset of the first byte of `bytes` that does not start, or belong to, a well-formed UTF-8
/// sequence; nil when all of `bytes` is well-formed UTF-8 (an empty array is).
///
/// For a sequence cut short by the end of the bytes, or by a byte that cannot continue it, the
/// offset is that of the sequence's first byte.
public func firstInvalidUTF8Byte(_ bytes: [UInt8]) -> Int? {
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
