// JPEG decoding: exact match with djpeg (hashes recorded by make_fixtures.sh), progressive,
// gray, arithmetic, CMYK, and every EXIF orientation.

import Testing
import Foundation
@testable import GlimpseImaging

private func djpegHashes() throws -> [String: (Int, Int, Int, UInt64)] {
    let text = try String(contentsOfFile: TestFiles.fixture("djpeg-fnv1a.txt"), encoding: .utf8)
    var table = [String: (Int, Int, Int, UInt64)]()
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ")
        table[String(f[0])] = (Int(f[1])!, Int(f[2])!, Int(f[3])!, UInt64(f[4], radix: 16)!)
    }
    return table
}

@Test(arguments: ["baseline.jpg", "progressive.jpg", "gray.jpg", "arithmetic.jpg", "2011_000003.jpg", "2011_000025.jpg"])
func jpegMatchesDjpegExactly(file: String) throws {
    let path = file.hasPrefix("2011") ? TestFiles.sample(file) : TestFiles.fixture(file)
    let image = try ImageFile.read(path)
    let (width, height, channels, hash) = try #require(try djpegHashes()[file])
    #expect((image.width, image.height, image.channels) == (width, height, channels))
    #expect(fnv1a(image.pixels) == hash)
}

@Test func jpegHeaderFacts() throws {
    #expect(try ImageFile.info(TestFiles.fixture("progressive.jpg")).interlaced)
    #expect(try !ImageFile.info(TestFiles.fixture("baseline.jpg")).interlaced)
    let gray = try ImageFile.info(TestFiles.fixture("gray.jpg"))
    #expect(gray.channels == 1 && gray.colorModel == "gray")
    let cmyk = try ImageFile.info(TestFiles.fixture("cmyk.jpg"))
    #expect(cmyk.channels == 4 && ["CMYK", "YCCK"].contains(cmyk.colorModel))
}

@Test func cmykJPEGBecomesRGBCloseToTheSource() throws {
    let cmyk = try ImageFile.read(TestFiles.fixture("cmyk.jpg"))
    let rgb = try ImageFile.read(TestFiles.fixture("baseline.jpg"))
    #expect(cmyk.channels == 3 && cmyk.width == 64 && cmyk.height == 48)
    var total = 0
    for i in 0..<cmyk.pixels.count { total += abs(Int(cmyk.pixels[i]) - Int(rgb.pixels[i])) }
    let meanError = Double(total) / Double(cmyk.pixels.count)
    #expect(meanError < 8, "mean abs difference \(meanError)")
}

@Test(arguments: [false, true])
func cmykAndYCCKJPEGsBecomeRGB(ycck: Bool) throws {
    let source = try ImageFile.read(TestFiles.sample("chelsea.png")).cropped(x: 150, y: 60, width: 96, height: 64)
    // Adobe-convention CMYK stores inverted inks: with no black, (C, M, Y, K) = (R, G, B, 255).
    var cmyk = [UInt8]()
    for i in 0..<(96 * 64) { cmyk += source.pixels[(3 * i)..<(3 * i + 3)] + [255] }
    let bytes = try JPEG.encodeCMYK(cmyk, width: 96, height: 64, ycck: ycck)
    #expect(try JPEG.header(bytes).colorModel == (ycck ? "YCCK" : "CMYK"))
    let decoded = try JPEG.decode(bytes)
    #expect(decoded.channels == 3 && decoded.width == 96 && decoded.height == 64)
    var total = 0
    for i in 0..<decoded.pixels.count { total += abs(Int(decoded.pixels[i]) - Int(source.pixels[i])) }
    #expect(Double(total) / Double(decoded.pixels.count) < 3)
}

/// Upright picture: red top-left, green top-right, white bottom-left, blue bottom-right.
@Test(arguments: 1...8)
func exifOrientationEndsUpright(tag: Int) throws {
    let path = TestFiles.fixture("orientation\(tag).jpg")
    let info = try ImageFile.info(path)
    #expect(info.orientation == tag)
    #expect(info.width == 32 && info.height == 16)
    let image = try ImageFile.read(path)
    #expect(image.width == 32 && image.height == 16)
    func near(_ x: Int, _ y: Int, _ rgb: [Int]) -> Bool {
        zip(image.pixel(x: x, y: y), rgb).allSatisfy { abs(Int($0) - $1) < 40 }
    }
    #expect(near(4, 4, [255, 0, 0]))
    #expect(near(27, 4, [0, 128, 0]))
    #expect(near(4, 12, [255, 255, 255]))
    #expect(near(27, 12, [0, 0, 255]))
    let raw = try ImageFile.read(path, options: DecodeOptions(applyOrientation: false))
    #expect((raw.width, raw.height) == (tag >= 5 ? (16, 32) : (32, 16)))
}
