// EXIF: the orientation tag (0x0112) from a JPEG APP1 segment, and applying it.
//
// APP1 = "Exif\0\0" + a TIFF structure (byte order "II"/"MM", 42, offset of IFD0); IFD0's
// entries are 12 bytes: tag, type, count, value. Every read is bounds-checked because the
// segment comes from the file. Spec: EXIF 2.32 (CIPA DC-008), section 4.6.4.

/// Reads the EXIF orientation tag.
enum EXIF {
    /// The orientation (1-8) in an APP1 payload, or nil when absent or malformed.
    static func orientation(app1 bytes: [UInt8]) -> Int? {
        guard bytes.count >= 14, Array(bytes[0..<6]) == Array("Exif\0\0".utf8) else { return nil }
        let tiff = 6
        let little: Bool
        switch (bytes[tiff], bytes[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            let a = Int(bytes[at]), b = Int(bytes[at + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
            return lo | hi << 16
        }
        guard u16(tiff + 2) == 42, let ifd = u32(tiff + 4), let count = u16(tiff + ifd) else { return nil }
        for i in 0..<count {
            let entry = tiff + ifd + 2 + 12 * i
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3, let value = u16(entry + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }
}

extension Image {
    /// The image turned the right way round for an EXIF orientation (1-8): 2 mirror,
    /// 3 rotate 180, 4 flip vertical, 5 transpose, 6 rotate 90 clockwise, 7 transverse,
    /// 8 rotate 90 counter-clockwise.
    public func orientedUpright(exif orientation: Int) -> Image {
        switch orientation {
        case 2: return flippedHorizontally()
        case 3: return rotated90(clockwiseTurns: 2)
        case 4: return flippedVertically()
        case 5: return transposed()
        case 6: return rotated90(clockwiseTurns: 1)
        case 7: return rotated90(clockwiseTurns: 2).transposed()
        case 8: return rotated90(clockwiseTurns: 3)
        default: return self
        }
    }
}
