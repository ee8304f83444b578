// IDXTests: IDX files written to a temporary directory, good and broken, plain and gzipped.

import Testing
@testable import GlimpseDatasets

@Suite final class IDXTests {
    /// A fresh directory for this test's files, removed when the test ends.
    let directory: String
    init() throws { directory = try makeTemporaryDirectory() }
    deinit { removeTemporaryDirectory(directory) }

    let images = IDXArray(dimensions: [3, 4, 5], bytes: patternBytes(60))
    let labels = IDXArray(dimensions: [3], bytes: [1, 2, 3])

    /// Reads `contents` written to a fresh file and returns the error, which must name the file.
    func readError(_ contents: [UInt8], expectedMagic: UInt32? = IDX.imagesMagic) throws -> IDXError? {
        let path = try writeFile(contents, named: "broken-images.idx3-ubyte", in: directory)
        let error = #expect(throws: IDXError.self) { try IDX.read(path: path, expectedMagic: expectedMagic) }
        #expect(error?.file == path)
        #expect(error?.description.contains(path) == true)
        return error
    }

    @Test func plainAndGzippedFilesRoundTrip() throws {
        // Gzip is recognised by content: the gzipped file is deliberately named without .gz.
        let plain = try writeFile(IDX.encode(images), named: "images.idx3-ubyte.gz", in: directory)
        let gzipped = try writeFile(Gzip.compress(IDX.encode(images)), named: "images.idx3-ubyte", in: directory)
        let labelFile = try writeFile(Gzip.compress(IDX.encode(labels)), named: "labels", in: directory)
        #expect(try IDX.read(path: plain, expectedMagic: IDX.imagesMagic) == images)
        #expect(try IDX.read(path: gzipped, expectedMagic: IDX.imagesMagic) == images)
        #expect(try IDX.read(path: labelFile, expectedMagic: IDX.labelsMagic) == labels)
        #expect(try IDX.read(path: labelFile) == labels)
    }

    @Test func missingFile() throws {
        let path = directory + "/nope.idx1-ubyte"
        let error = #expect(throws: IDXError.self) { try IDX.read(path: path) }
        #expect(error?.cause == .missing)
        #expect(error?.description.contains(path) == true)
    }

    @Test func wrongMagicSaysFoundAndExpected() throws {
        // A label file where an image file is expected.
        let error = try readError(IDX.encode(labels))
        #expect(error?.cause == .wrongMagic(found: 0x0000_0801, expected: 0x0000_0803))
        #expect(error?.description.contains("0x00000801") == true)
        #expect(error?.description.contains("0x00000803") == true)
        // Not IDX at all.
        let png = try readError([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])
        #expect(png?.cause == .wrongMagic(found: 0x8950_4e47, expected: 0x0000_0803))
    }

    @Test func unsupportedDataType() throws {
        var floats = IDX.encode(images)
        floats[2] = 0x0D
        #expect(try readError(floats)?.cause == .unsupportedDataType(code: 0x0D))
    }

    @Test func shortHeader() throws {
        #expect(try readError([0, 0, 8])?.cause == .tooShortForHeader(size: 3, needed: 4))
        let cut = Array(IDX.encode(images).prefix(10))  // magic + 1.5 of 3 dimensions
        #expect(try readError(cut)?.cause == .tooShortForHeader(size: 10, needed: 16))
    }

    @Test func shortData() throws {
        let cut = Array(IDX.encode(images).dropLast(7))
        #expect(try readError(cut)?.cause == .shortData(dimensions: [3, 4, 5], expectedBytes: 60, actualBytes: 53))
        // The same file gzipped fails the same way.
        #expect(try readError(Gzip.compress(cut))?.cause
                == .shortData(dimensions: [3, 4, 5], expectedBytes: 60, actualBytes: 53))
    }

    @Test func trailingBytes() throws {
        let long = IDX.encode(images) + [9, 9]
        #expect(try readError(long)?.cause == .trailingBytes(dimensions: [3, 4, 5], expectedBytes: 60, actualBytes: 62))
    }

    @Test func truncatedGzip() throws {
        let compressed = Gzip.compress(IDX.encode(images))
        let cut = Array(compressed.dropLast(5))
        #expect(try readError(cut)?.cause == .gzip(.truncated(inputBytes: cut.count)))
    }

    @Test func corruptGzip() throws {
        var compressed = Gzip.compress(IDX.encode(images))
        compressed[compressed.count - 6] ^= 0x55  // inside the CRC-32 trailer
        let error = try readError(compressed)
        guard case .gzip(.corrupt) = error?.cause else {
            Issue.record("expected .gzip(.corrupt), got \(String(describing: error))")
            return
        }
    }

    @Test func decompressedSizeLimit() throws {
        // refused from the header's dimensions, before the data is inflated
        let path = try writeFile(Gzip.compress(IDX.encode(images)), named: "i", in: directory)
        let error = #expect(throws: IDXError.self) { try IDX.read(path: path, maxBytes: 20) }
        #expect(error?.cause == .tooLarge(dimensions: [3, 4, 5], bytes: 76, limit: 20))
    }

    /// Issue 19, item 9: a small .gz whose header implies 1,008 bytes but which inflates to 20 MB
    /// was refused only after inflating all of it (1.05 GB for the 235 KB of a real bomb).
    @Test func aGzipBombIsRefusedAtTheSizeItsHeaderImplies() throws {
        let header: [UInt8] = [0, 0, 8, 1, 0, 0, 0x03, 0xE8]  // labels, [1000]
        let bomb = Gzip.compress(header + [UInt8](repeating: 0, count: 20_000_000), level: 9)
        #expect(bomb.count < 100_000)
        let error = try readError(bomb, expectedMagic: IDX.labelsMagic)
        #expect(error?.cause == .inflatesBeyondHeader(dimensions: [1000], bytes: 1008), "\(String(describing: error))")
        #expect(error?.description.contains("gzip bomb") == true)
        // a header whose dimensions are over the limit is refused before inflating anything
        let huge = Gzip.compress([0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0] + [UInt8](repeating: 0, count: 100))
        #expect(try readError(huge)?.cause == .tooLarge(dimensions: [65536, 256, 256], bytes: 16 + (1 << 32), limit: IDX.defaultMaxBytes))
    }
}
