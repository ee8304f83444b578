// Encoding: PNG round trips exactly, label maps keep their ids and palette, JPEG stays close
// to its source, and writes are atomic.

import Testing
import Foundation
@testable import GlimpseImaging

@Test(arguments: [1, 3, 4])
func pngRoundTripIsExact(channels: Int) throws {
    let image = patternImage(width: 37, height: 23, channels: channels)
    let decoded = try PNG.decode(PNG.encode(image))
    #expect(decoded == image)
}

@Test func realPhotosRoundTripThroughPNG() throws {
    for name in ["chelsea.png", "camera.png", "horse.png"] {
        let image = try ImageFile.read(TestFiles.sample(name))
        #expect(try PNG.decode(PNG.encode(image)) == image)
    }
}

@Test func labelMapRoundTripsWithItsPalette() throws {
    let labels = try ImageFile.readLabelMap(TestFiles.sample("2011_000003-mask.png"))
    let bytes = try PNG.encode(labels, palette: .voc)
    let (again, palette) = try PNG.decodeIndices(bytes)
    #expect(again == labels)
    #expect(palette == .voc)
    // The VOC palette: person (15) is (192, 128, 128); ignore (255) is (224, 224, 192).
    #expect(Palette.voc.color(15) == [192, 128, 128])
    #expect(Palette.voc.color(255) == [224, 224, 192])
    // And the file's own palette is VOC's.
    let (_, original) = try PNG.decodeIndices(TestFiles.bytes(TestFiles.sample("2011_000003-mask.png")))
    #expect(Array(original.colors.prefix(21)) == Array(Palette.voc.colors.prefix(21)))
}

@Test(arguments: [(3, false), (3, true), (1, false)])
func jpegRoundTripIsClose(channels: Int, progressive: Bool) throws {
    let photo = try ImageFile.read(TestFiles.sample("chelsea.png"))
    let source = channels == 1 ? photo.grayscale() : photo
    let bytes = try JPEG.encode(source, quality: 95, progressive: progressive)
    #expect(try JPEG.header(bytes).progressive == progressive)
    let decoded = try JPEG.decode(bytes)
    #expect(decoded.channels == channels && decoded.width == 451)
    var total = 0
    for i in 0..<decoded.pixels.count { total += abs(Int(decoded.pixels[i]) - Int(source.pixels[i])) }
    #expect(Double(total) / Double(decoded.pixels.count) < 3)
    // Lower quality, smaller file.
    #expect(try JPEG.encode(source, quality: 30).count < bytes.count)
}

@Test func writesAreAtomicAndLeaveNoTemporaryFiles() throws {
    let directory = try TestFiles.temporaryDirectory()
    let image = patternImage(width: 20, height: 10, channels: 3)
    try ImageFile.write(image, to: directory + "/a.png")
    try ImageFile.write(image, to: directory + "/a.jpg", quality: 80)
    try ImageFile.write(image.grayscale(), to: directory + "/a.png")  // replaces
    #expect(try ImageFile.read(directory + "/a.png").channels == 1)
    #expect(try ImageFile.info(directory + "/a.jpg").format == .jpeg)
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    #expect(names == ["a.jpg", "a.png"])
    #expect(errorKind { try ImageFile.write(image, to: directory + "/a.gif") } == .unwritable)
    #expect(errorKind { try ImageFile.write(image, to: "/nonexistent-dir/a.png") } == .unwritable)
}

@Test func formatComesFromTheBytesNotTheName() throws {
    let directory = try TestFiles.temporaryDirectory()
    let image = patternImage(width: 9, height: 7, channels: 3)
    try ImageFile.write(image, to: directory + "/really-a-png.jpg", format: .png)
    #expect(try ImageFile.info(directory + "/really-a-png.jpg").format == .png)
    #expect(try ImageFile.read(directory + "/really-a-png.jpg") == image)
    try ImageFile.write(image, to: directory + "/forced.png", format: .jpeg)
    #expect(try ImageFile.info(directory + "/forced.png").format == .jpeg)
}

@Test func aFailedWriteNamesTheFileAndTheStep() throws {
    let path = "/nonexistent-dir/a.png"
    do {
        try ImageFile.write(patternImage(width: 3, height: 2, channels: 3), to: path)
        Issue.record("wrote into a missing directory")
    } catch let error as ImagingError {
        #expect(error.kind == .unwritable && error.file == path)
        #expect(error.description.hasPrefix("\(path): unwritable: create temporary file /nonexistent-dir/.a.png.tmp-"))
        #expect(error.description.hasSuffix(": No such file or directory"))
    }
}

@Test func detectingAFileReadsOnlyItsSignature() throws {
    let directory = try TestFiles.temporaryDirectory()
    try ImageFile.write(patternImage(width: 4, height: 3, channels: 3), to: directory + "/png-named.jpg", format: .png)
    #expect(try ImageFormat.detect(fileAt: directory + "/png-named.jpg") == .png)
    try ImageFile.write(patternImage(width: 4, height: 3, channels: 3), to: directory + "/a.jpeg")
    #expect(try ImageFormat.detect(fileAt: directory + "/a.jpeg") == .jpeg)
    try Data("not an image".utf8).write(to: URL(fileURLWithPath: directory + "/notes.png"))
    #expect(try ImageFormat.detect(fileAt: directory + "/notes.png") == nil)
    #expect(throws: ImagingError.self) { try ImageFormat.detect(fileAt: directory + "/missing.png") }
}
