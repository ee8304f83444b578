// Broken and hostile files: each gives the right ImagingError kind, and the test process
// survives every one of them (they all run in this one process).

import Testing
import Foundation
import GlimpseTensor
@testable import GlimpseImaging

@Test func emptyAndMissingFiles() throws {
    #expect(errorKind { _ = try ImageFile.decode([]) } == .empty)
    #expect(errorKind { _ = try PNG.decode([]) } == .empty)
    #expect(errorKind { _ = try JPEG.decode([]) } == .empty)
    #expect(errorKind { _ = try ImageFile.read("/nonexistent/photo.png") } == .unreadable)
    #expect(errorKind { _ = try ImageFile.read(NSTemporaryDirectory()) } == .unreadable)
}

@Test func textFileNamedPNGIsAnUnknownFormat() throws {
    let directory = try TestFiles.temporaryDirectory()
    let path = directory + "/notes.png"
    try "this is not an image\n".write(toFile: path, atomically: true, encoding: .utf8)
    do {
        _ = try ImageFile.read(path)
        Issue.record("a text file decoded")
    } catch let error as ImagingError {
        #expect(error.kind == .unknownFormat)
        #expect(error.file == path)
        #expect(error.description.hasPrefix(path + ": unknown format"))
    }
}

@Test func randomBytesNeverDecodeAndNeverCrash() throws {
    var rng = SeededGenerator(seed: 2026)
    let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    for trial in 0..<200 {
        let body = (0..<(16 + trial * 7)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(errorKind { _ = try ImageFile.decode(body) } == .unknownFormat || ImageFormat.detect(body) != nil)
        // Random bytes behind a real signature reach the codecs themselves.
        let png = errorKind { _ = try ImageFile.decode(pngSignature + body) }
        #expect(png == .corrupt || png == .truncated || png == .unsupported)
        let jpeg = errorKind { _ = try ImageFile.decode([0xFF, 0xD8, 0xFF] + body) }
        #expect(jpeg != nil)
    }
}

@Test(arguments: ["chelsea.png", "horse.png", "2011_000003-mask.png"])
func truncatedPNGsSayTruncated(file: String) throws {
    let bytes = try TestFiles.bytes(TestFiles.sample(file))
    for cut in [9, 20, 33, 40, 100, bytes.count / 3, bytes.count / 2, bytes.count - 100, bytes.count - 13, bytes.count - 1] {
        let kind = errorKind { _ = try ImageFile.decode(Array(bytes[0..<cut]), file: file) }
        #expect(kind == .truncated, "cut at \(cut) of \(bytes.count): \(String(describing: kind))")
    }
}

@Test(arguments: ["2011_000003.jpg", "2011_000025.jpg"])
func truncatedJPEGsSayTruncated(file: String) throws {
    var cuts = [4, 20, 100, 300, 700]
    let bytes = try TestFiles.bytes(TestFiles.sample(file))
    cuts += [bytes.count / 3, bytes.count / 2, bytes.count - 100, bytes.count - 3]
    for cut in cuts {
        let kind = errorKind { _ = try ImageFile.decode(Array(bytes[0..<cut]), file: file) }
        #expect(kind == .truncated, "cut at \(cut) of \(bytes.count): \(String(describing: kind))")
    }
    let progressive = try TestFiles.bytes(TestFiles.fixture("progressive.jpg"))
    for cut in stride(from: 200, to: progressive.count - 2, by: 97) {
        #expect(errorKind { _ = try JPEG.decode(Array(progressive[0..<cut])) } == .truncated)
    }
}

@Test func flippedBytesInPNGDataAreCorrupt() throws {
    let bytes = try TestFiles.bytes(TestFiles.sample("horse.png"))
    // horse.png: IHDR at 8, pHYs at 33, iTXt at 54, IDAT at 1071 (15538 bytes), IEND at 16621.
    // Inside critical chunks a flipped byte breaks the CRC (or the deflate stream).
    for position in [12, 20, 28] + Array(stride(from: 1075, to: bytes.count - 20, by: 997)) {
        var broken = bytes
        broken[position] ^= 0x5A
        let kind = errorKind { _ = try ImageFile.decode(broken) }
        #expect(kind == .corrupt || kind == .truncated, "flip at \(position): \(String(describing: kind))")
    }
}

@Test func flippedByteInAnAncillaryChunkIsSkippedAsPNGRequires() throws {
    var bytes = try TestFiles.bytes(TestFiles.sample("horse.png"))
    let original = try ImageFile.decode(bytes)
    bytes[1057] ^= 0x5A  // inside iTXt: libpng discards the chunk with a warning
    #expect(try ImageFile.decode(bytes) == original)
}

@Test func flippedBytesInJPEGsNeverCrash() throws {
    let bytes = try TestFiles.bytes(TestFiles.sample("2011_000025.jpg"))
    var failures = 0, decoded = 0
    for position in stride(from: 2, to: bytes.count, by: 211) {
        var broken = bytes
        broken[position] ^= 0xA5
        do {
            let image = try ImageFile.decode(broken)
            #expect(image.width > 0)
            decoded += 1
        } catch is ImagingError {
            failures += 1
        }
    }
    // Entropy-coded data can absorb a flipped byte; damaged markers and tables cannot.
    #expect(failures > 0)
    // A broken SOF marker in the header.
    var broken = bytes
    let sof = (0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }!
    broken[sof + 4] = 0  // precision 0
    #expect(errorKind { _ = try ImageFile.decode(broken) } != nil)
}

@Test func hugeDeclaredDimensionsAreRefusedFromTheHeader() throws {
    let start = Date()
    for file in ["huge-dimensions.png", "huge-dimensions.jpg", "bomb.png"] {
        let kind = errorKind { _ = try ImageFile.read(TestFiles.fixture(file)) }
        #expect(kind == .tooLarge, "\(file): \(String(describing: kind))")
    }
    #expect(Date().timeIntervalSince(start) < 1)
    // The header alone is still readable.
    #expect(try ImageFile.info(TestFiles.fixture("huge-dimensions.png")).width == 100_000)
}

@Test func pixelBudgetIsConfigurable() throws {
    let small = DecodeOptions(pixelBudget: 451 * 300 - 1)
    #expect(errorKind { _ = try ImageFile.read(TestFiles.sample("chelsea.png"), options: small) } == .tooLarge)
    #expect(errorKind { _ = try ImageFile.read(TestFiles.sample("2011_000003.jpg"), options: small) } == .tooLarge)
    #expect(try ImageFile.read(TestFiles.sample("chelsea.png"), options: DecodeOptions(pixelBudget: 451 * 300)).width == 451)
}

@Test func progressiveJPEGsWithTooManyScansAreRefused() throws {
    let bytes = try TestFiles.bytes(TestFiles.fixture("progressive.jpg"))  // cjpeg's 10-scan script
    #expect(errorKind { _ = try JPEG.decode(bytes, options: DecodeOptions(maxJPEGScans: 5)) } == .tooLarge)
    #expect(try JPEG.decode(bytes, options: DecodeOptions(maxJPEGScans: 10)).width == 64)
}
