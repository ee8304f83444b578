// PNG decoding: every colour type and bit depth (make_png_fixtures.py writes samples from a
// formula recomputed here), Adam7, tRNS, palette indices, and the real photos and VOC masks.

import Testing
import Foundation
@testable import GlimpseImaging

/// The formula make_png_fixtures.py wrote each sample with.
private func sample(_ x: Int, _ y: Int, _ c: Int, _ depth: Int) -> Int {
    Int((UInt64(x * 31 + y * 17 + c * 101) &* 2_654_435_761) % (UInt64(1) << UInt64(depth)))
}

/// A sample of `depth` bits as libpng scales it to 8 bits.
private func to8(_ v: Int, _ depth: Int) -> Int {
    switch depth {
    case 16: return (v * 255 + 32895) >> 16
    case 8: return v
    default: return v * 255 / ((1 << depth) - 1)
    }
}

private func paletteColor(_ i: Int) -> [Int] { [(i * 7) % 256, (255 - i * 3 + 256 * 4) % 256, (i * 13) % 256] }

@Test(arguments: [
    ("gray1.png", 0, 1), ("gray2.png", 0, 2), ("gray4.png", 0, 4), ("gray8.png", 0, 8), ("gray16.png", 0, 16),
    ("rgb8.png", 2, 8), ("rgb16.png", 2, 16), ("graya8.png", 4, 8), ("graya16.png", 4, 16),
    ("rgba8.png", 6, 8), ("rgba16.png", 6, 16),
    ("palette1.png", 3, 1), ("palette2.png", 3, 2), ("palette4.png", 3, 4), ("palette8.png", 3, 8),
    ("rgb8-adam7.png", 2, 8), ("gray2-adam7.png", 0, 2), ("palette4-adam7.png", 3, 4),
])
func pngDecodesEveryColorTypeAndDepth(file: String, colorType: Int, depth: Int) throws {
    let image = try ImageFile.read(TestFiles.fixture(file))
    #expect(image.width == 13 && image.height == 11)
    let expectedChannels = [0: 1, 2: 3, 3: 3, 4: 4, 6: 4][colorType]!
    #expect(image.channels == expectedChannels)
    var mismatches = 0
    for y in 0..<11 {
        for x in 0..<13 {
            let expected: [Int]
            switch colorType {
            case 0: expected = [to8(sample(x, y, 0, depth), depth)]
            case 2: expected = (0..<3).map { to8(sample(x, y, $0, depth), depth) }
            case 3: expected = paletteColor(sample(x, y, 0, depth))
            case 4:
                let g = to8(sample(x, y, 0, depth), depth)
                expected = [g, g, g, to8(sample(x, y, 1, depth), depth)]
            default: expected = (0..<4).map { to8(sample(x, y, $0, depth), depth) }
            }
            if image.pixel(x: x, y: y).map(Int.init) != expected { mismatches += 1 }
        }
    }
    #expect(mismatches == 0)
    let info = try ImageFile.info(TestFiles.fixture(file))
    #expect(info.format == .png && info.bitDepth == depth && info.interlaced == file.contains("adam7"))
}

@Test func pngTransparencyChunkBecomesAlpha() throws {
    let gray = try ImageFile.read(TestFiles.fixture("gray8-trns.png"))
    #expect(gray.channels == 4)
    for y in 0..<11 {
        for x in 0..<13 {
            let v = UInt8(sample(x, y, 0, 8))
            #expect(gray.pixel(x: x, y: y) == [v, v, v, v == 0 ? 0 : 255])
        }
    }
    let palette = try ImageFile.read(TestFiles.fixture("palette8-trns.png"))
    #expect(palette.channels == 4)
    let alphas: [UInt8] = [0, 64, 128, 192]
    for y in 0..<11 {
        for x in 0..<13 {
            let i = sample(x, y, 0, 8)
            #expect(palette[x, y, 3] == (i < 4 ? alphas[i] : 255))
        }
    }
}

@Test(arguments: [("palette1.png", 1), ("palette2.png", 2), ("palette4.png", 4), ("palette8.png", 8),
                  ("palette4-adam7.png", 4)])
func pngPaletteIndicesAreKept(file: String, depth: Int) throws {
    let (labels, palette) = try PNG.decodeIndices(TestFiles.bytes(TestFiles.fixture(file)))
    #expect(palette.colors.count == 1 << depth)
    #expect(palette.colors[1].map(Int.init) == paletteColor(1))
    for y in 0..<11 {
        for x in 0..<13 { #expect(Int(labels[x, y]) == sample(x, y, 0, depth)) }
    }
}

@Test func realPhotosDecodeWithTheirHeaderFacts() throws {
    let chelsea = try ImageFile.read(TestFiles.sample("chelsea.png"))
    #expect((chelsea.width, chelsea.height, chelsea.channels) == (451, 300, 3))
    let camera = try ImageFile.read(TestFiles.sample("camera.png"))
    #expect((camera.width, camera.height, camera.channels) == (512, 512, 1))
    let horse = try ImageFile.read(TestFiles.sample("horse.png"))
    #expect((horse.width, horse.height, horse.channels) == (400, 328, 4))
    // The photo is not blank: many distinct values.
    #expect(Set(camera.pixels).count > 200)
}

/// The category ids (= VOC class ids) of the COCO objects annotated on an image.
private func cocoClassIDs(image name: String) throws -> Set<UInt8> {
    let data = try Data(contentsOf: URL(fileURLWithPath: TestFiles.sample("voc-coco-annotations.json")))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let images = try #require(json["images"] as? [[String: Any]])
    let imageID = try #require(images.first { ($0["file_name"] as? String)?.contains(name) == true }?["id"] as? Int)
    let annotations = try #require(json["annotations"] as? [[String: Any]])
    return Set(annotations.filter { $0["image_id"] as? Int == imageID }.compactMap { ($0["category_id"] as? Int).map(UInt8.init) })
}

@Test(arguments: ["2011_000003", "2011_000025"])
func vocMaskDecodesToTheAnnotatedClassIDs(name: String) throws {
    let labels = try ImageFile.readLabelMap(TestFiles.sample("\(name)-mask.png"))
    let photo = try ImageFile.read(TestFiles.sample("\(name).jpg"))
    #expect(labels.width == photo.width && labels.height == photo.height)
    let expected = try cocoClassIDs(image: name)
    #expect(!expected.isEmpty)
    // Every annotated class is painted, and nothing else but background and the ignore border.
    let present = Set(labels.presentIDs)
    #expect(present.subtracting([0, LabelMap.ignore]) == expected)
}

/// The team's full photo folder, when this machine has it (the committed samples are a subset).
private let sharedPhotos = "/work/shared/datasets/photos"

@Test(.enabled(if: FileManager.default.fileExists(atPath: sharedPhotos)))
func everySharedPhotoDecodesAndRoundTrips() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: sharedPhotos).filter { $0.hasSuffix(".png") }.sorted()
    #expect(names.count >= 9)
    for name in names {
        let path = sharedPhotos + "/" + name
        let info = try ImageFile.info(path)
        let image = try ImageFile.read(path)
        #expect(image.width == info.width && image.height == info.height, "\(name)")
        #expect(try PNG.decode(PNG.encode(image)) == image, "\(name)")
        let jpeg = try JPEG.decode(JPEG.encode(image, quality: 90))
        #expect(jpeg.width == image.width && jpeg.height == image.height, "\(name)")
    }
}
