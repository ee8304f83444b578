// ContentHash: FNV-1a 64-bit over a file's bytes, the identity `--resume` compares. Not a
// cryptographic hash: it tells "same content as last time", not "untampered".

/// FNV-1a (Fowler, Noll, Vo), 64-bit variant.
public enum ContentHash {
    /// The FNV-1a 64 hash of `bytes`.
    public static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { fnv1a64($0) }
    }

    /// The FNV-1a 64 hash of the bytes in `buffer` (a memory-mapped file, without copying it).
    public static func fnv1a64(_ buffer: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in buffer {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// 16 lowercase hex digits.
    public static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
