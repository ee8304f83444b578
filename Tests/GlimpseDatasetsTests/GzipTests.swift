// GzipTests: round trips through zlib and the ways a gzip buffer can be broken.

import Testing
@testable import GlimpseDatasets

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 100, 70_000])
    func roundTrip(size: Int) throws {
        let original = patternBytes(size) + [UInt8](repeating: 7, count: size)  // some compressible part
        let compressed = Gzip.compress(original, level: 9)
        #expect(Gzip.isGzip(compressed))
        #expect(try Gzip.decompress(compressed, maxOutputSize: original.count) == original)
    }

    @Test func multiMemberStreamsAreConcatenated() throws {
        let a = patternBytes(1000, seed: 1), b = patternBytes(500, seed: 2)
        let joined = Gzip.compress(a) + Gzip.compress(b, level: 1)
        #expect(try Gzip.decompress(joined, maxOutputSize: 1 << 20) == a + b)
    }

    /// `prefix` inflates only the bytes asked for (what IDX uses to read a header first).
    @Test func prefixInflatesOnlyTheBytesAskedFor() throws {
        let original = patternBytes(50_000)
        let compressed = Gzip.compress(original)
        #expect(try Gzip.prefix(compressed, count: 1024) == Array(original.prefix(1024)))
        #expect(try Gzip.prefix(compressed, count: 0) == [])
        #expect(try Gzip.prefix(Gzip.compress([1, 2, 3]), count: 1024) == [1, 2, 3], "fewer when the stream is shorter")
        let error = #expect(throws: GzipError.self) { try Gzip.prefix([1, 2, 3], count: 4, file: "x.gz") }
        #expect(error?.cause == .notGzip(found: [1, 2, 3]))
    }

    @Test func outputLimitIsEnforced() throws {
        let original = [UInt8](repeating: 0, count: 100_000)
        let compressed = Gzip.compress(original)
        #expect(try Gzip.decompress(compressed, maxOutputSize: 100_000).count == 100_000)
        let error = #expect(throws: GzipError.self) { try Gzip.decompress(compressed, maxOutputSize: 99_999, file: "big.gz") }
        #expect(error?.cause == .outputTooLarge(limit: 99_999))
        #expect(error?.description.contains("big.gz") == true)
    }

    @Test(arguments: [1, 5, 12, 200, -1])
    func truncationIsDetected(cut: Int) throws {
        let compressed = Gzip.compress(patternBytes(2000))
        let length = cut > 0 ? cut : compressed.count + cut
        let error = #expect(throws: GzipError.self) {
            try Gzip.decompress(Array(compressed.prefix(length)), maxOutputSize: 1 << 20, file: "cut.gz")
        }
        #expect(error?.cause == .truncated(inputBytes: length))
        #expect(error?.description.contains("cut.gz") == true)
    }

    @Test func corruptionIsDetected() throws {
        let compressed = Gzip.compress(patternBytes(2000))
        var badMethod = compressed
        badMethod[2] = 7  // compression method must be 8 (deflate)
        var badCRC = compressed
        badCRC[compressed.count - 8] ^= 0xff  // first byte of the CRC-32 trailer
        for broken in [badMethod, badCRC] {
            let error = #expect(throws: GzipError.self) { try Gzip.decompress(broken, maxOutputSize: 1 << 20, file: "bad.gz") }
            guard case .corrupt = error?.cause else {
                Issue.record("expected .corrupt, got \(String(describing: error))")
                continue
            }
            #expect(error?.description.contains("bad.gz") == true)
        }
    }

    @Test func trailingGarbageAndNonGzipAreRejected() throws {
        let compressed = Gzip.compress(patternBytes(100))
        let garbage = #expect(throws: GzipError.self) { try Gzip.decompress(compressed + [1, 2, 3], maxOutputSize: 1000) }
        #expect(garbage?.cause == .trailingGarbage(offset: compressed.count, count: 3))
        let plain = #expect(throws: GzipError.self) { try Gzip.decompress([0, 0, 8, 3, 9], maxOutputSize: 1000) }
        #expect(plain?.cause == .notGzip(found: [0, 0, 8, 3]))
    }
}
