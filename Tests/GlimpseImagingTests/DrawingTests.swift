// Drawing: rectangles land on the box edges, text uses the font's pixels, overlays blend.

import Testing
import Foundation
@testable import GlimpseImaging

@Test func rectangleOutlinesTheBox() {
    var image = Image(width: 20, height: 20, fill: [0, 0, 0])
    image.drawRectangle(BoundingBox(x0: 5, y0: 4, x1: 15, y1: 12), color: [255, 0, 0], thickness: 1)
    #expect(image.pixel(x: 5, y: 4) == [255, 0, 0] && image.pixel(x: 14, y: 11) == [255, 0, 0])
    #expect(image.pixel(x: 10, y: 4) == [255, 0, 0] && image.pixel(x: 5, y: 8) == [255, 0, 0])
    #expect(image.pixel(x: 10, y: 8) == [0, 0, 0])   // inside untouched
    #expect(image.pixel(x: 15, y: 12) == [0, 0, 0])  // x1, y1 are exclusive
    // Partly outside: clipped, no crash.
    image.drawRectangle(BoundingBox(x0: -5, y0: -5, x1: 30, y1: 3), color: [0, 255, 0])
}

@Test func textUsesTheFontPixels() {
    var image = Image(width: 12, height: 7, fill: [0])
    image.drawText("1", x: 0, y: 0, color: [255])
    let one = BitmapFont.glyph("1")
    for row in 0..<7 {
        for column in 0..<5 {
            #expect((image[column, row, 0] == 255) == (one[row] & (0x10 >> UInt8(column)) != 0))
        }
    }
    #expect(BitmapFont.size(of: "AB", scale: 2) == (22, 14))
    #expect(BitmapFont.glyph("a") == BitmapFont.glyph("A"))
    #expect(BitmapFont.glyph("~") == BitmapFont.glyph("?"))
}

@Test func overlayBlendsLabelledPixelsOnly() {
    var image = Image(width: 2, height: 1, fill: [100, 100, 100])
    image.overlay(LabelMap(width: 2, height: 1, ids: [0, 15]), palette: .voc, opacity: 0.5)
    #expect(image.pixel(x: 0, y: 0) == [100, 100, 100])
    #expect(image.pixel(x: 1, y: 0) == [146, 114, 114])  // (100 + (192, 128, 128)) / 2
}

@Test func classAgnosticBoxesAreNotDrawnInTheBackgroundColour() {
    // Label 0 is the palette's background (black); proposals carry it and must stay visible.
    let image = Image(width: 40, height: 30, fill: [0, 0, 0])
    let drawn = image.annotated(boxes: [BoundingBox(x0: 10, y0: 12, x1: 30, y1: 25, label: 0, score: 0.5)])
    #expect(drawn.pixel(x: 10, y: 20) == Image.unlabelledBoxColor)
    let classed = image.annotated(boxes: [BoundingBox(x0: 10, y0: 12, x1: 30, y1: 25, label: 15)])
    #expect(classed.pixel(x: 10, y: 20) == Palette.voc.color(15))
}

@Test func previewOfARealVOCImage() throws {
    let photo = try ImageFile.read(TestFiles.sample("2011_000003.jpg"))
    let labels = try ImageFile.readLabelMap(TestFiles.sample("2011_000003-mask.png"))
    let boxes = [BoundingBox(x0: 191, y0: 107.4, x1: 313, y1: 329.4, label: 15, score: 0.93)]
    let preview = photo.annotated(labels: labels).annotated(boxes: boxes, classNames: ["background"] + Array(repeating: "x", count: 14) + ["person"])
    #expect(preview.width == photo.width && preview.channels == 3)
    #expect(preview.pixel(x: 191, y: 200) == Palette.voc.color(15))
    let directory = try TestFiles.temporaryDirectory()
    try ImageFile.write(preview, to: directory + "/preview.png")
    #expect(try ImageFile.read(directory + "/preview.png") == preview)
}
