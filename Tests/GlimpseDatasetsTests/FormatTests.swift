// FormatTests: COCO JSON, COCO captions, VOC XML and palette label maps: real files load with the
// values they state, written files read back equal, RLE round-trips.

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseSerialization
import GlimpseTensor
import Testing

@Suite("Formats")
struct FormatTests {
    @Test func jsonRoundTripKeepsKeyOrderAndValues() throws {
        let text = #"{"b":[1,2.5,-3e-2,true,false,null],"a":"x\"\\\n\u00e9\ud83d\ude00","c":{}}"#
        let value = try JSONValue.parse(Array(text.utf8), file: "t.json")
        #expect(value["a"] == .string("x\"\\\né😀"))
        #expect(value["b"] == .array([.number(1), .number(2.5), .number(-0.03), .bool(true), .bool(false), .null]))
        let again = try JSONValue.parse(Array(value.serialized().utf8), file: "t.json")
        #expect(again == value)
        #expect(value.serialized().hasPrefix(#"{"b":[1,2.5,-0.03,true,false,null],"a""#))
    }

    @Test func jsonSyntaxErrorNamesFileAndLine() {
        #expect(throws: DatasetError.self) { try JSONValue.parse(Array("{\n\"a\": [1,\n}".utf8), file: "bad.json") }
        do {
            _ = try JSONValue.parse(Array("{\n\"a\": [1,\n}".utf8), file: "bad.json")
        } catch {
            #expect(error.kind == .syntax)
            #expect(error.description.hasPrefix("bad.json: syntax: line 3"))
        }
    }

    @Test(arguments: ["+1", "01", "1.", ".5", "1e", "--1", "1.2.3", "NaN", "[1,]", "{\"a\" 1}", "\"\\x\"", "tru"])
    func jsonOutsideTheGrammarIsRejected(_ text: String) {
        #expect(throws: DatasetError.self) { try JSONValue.parse(Array(text.utf8), file: "t.json") }
    }

    @Test func rleRoundTripsRandomMasksAndStrings() {
        var generator = SeededGenerator(seed: 5)
        for (width, height) in [(1, 1), (7, 3), (40, 33), (128, 128)] {
            var mask = InstanceMask(width: width, height: height)
            let density = generator.nextUniform()
            for i in 0..<mask.bits.count { mask.bits[i] = generator.nextUniform() < density }
            let rle = RunLengthMask(mask)
            #expect(rle.decoded() == mask)
            #expect(rle.area == mask.area)
            let back = RunLengthMask(height: height, width: width, compressed: rle.compressedString)
            #expect(back == rle)
        }
    }

    @Test func rleMatchesPycocotoolsGolden() {
        // pycocotools 2.0.x: m = np.zeros((4, 5), np.uint8, order='F'); m[1:3, 1:4] = 1;
        // mask.encode(m) -> {'size': [4, 5], 'counts': b'5220003'}: runs [5, 2, 2, 2, 2, 2, 5]
        // column-major, each from the third on stored minus the run two before it.
        var mask = InstanceMask(width: 5, height: 4)
        for y in 1..<3 { for x in 1..<4 { mask[x, y] = true } }
        let rle = RunLengthMask(mask)
        #expect(rle.counts == [5, 2, 2, 2, 2, 2, 5])
        #expect(rle.compressedString == "5220003")
        #expect(RunLengthMask(height: 4, width: 5, compressed: "5220003")?.decoded() == mask)
        #expect(RunLengthMask(height: 4, width: 5, compressed: "522000") == nil)  // does not cover 20 pixels
    }

    @Test func polygonFillsPixelCentres() {
        let square = PolygonRasterizer.mask(polygons: [[2, 1, 6, 1, 6, 4, 2, 4]], width: 8, height: 6)
        #expect(square.area == 12)
        #expect(square.tightBox() == BoundingBoxEdges(x0: 2, y0: 1, x1: 6, y1: 4))
        let triangle = PolygonRasterizer.mask(polygons: [[0, 0, 10, 0, 0, 10]], width: 10, height: 10)
        #expect(triangle.area == 45)  // pixel centres strictly below the diagonal x + y < 10
    }

    @Test func realLabelmeCOCOFileLoadsWithItsBoxes() throws {
        let file = try COCOInstances.read(datasetsPath("voc-mini/annotations.json"))
        #expect(file.images.count == 3)
        #expect(file.categories.count == 21)
        #expect(file.annotations.count == 12)
        let first = file.annotations[0]
        #expect(first.bbox == [191, 107, 123, 221] && first.categoryID == 15 && first.area == 15689)
        #expect(file.annotations[11].bbox == [18, 140, 460, 172])
        guard case let .polygons(polygons) = file.annotations[11].segmentation else { Issue.record("no polygons"); return }
        #expect(polygons.count == 4)
        // The rasterised polygon lies inside its stated box, give or take the boundary pixel.
        for annotation in file.annotations {
            let image = file.images.first { $0.id == annotation.imageID }!
            let edges = try #require(annotation.mask(width: image.width, height: image.height)?.tightBox())
            #expect(Double(edges.x0) >= annotation.bbox[0] - 1 && Double(edges.x1) <= annotation.bbox[0] + annotation.bbox[2] + 1)
            #expect(Double(edges.y0) >= annotation.bbox[1] - 1 && Double(edges.y1) <= annotation.bbox[1] + annotation.bbox[3] + 1)
        }
    }

    @Test func cocoWriteReadRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var mask = InstanceMask(width: 9, height: 7)
        for y in 2..<5 { for x in 3..<8 { mask[x, y] = true } }
        let file = COCOInstances(
            images: [COCOImage(id: 4, fileName: "a.png", width: 9, height: 7, attributes: ["background": "grass"])],
            categories: [COCOCategory(id: 1, name: "digit 0"), COCOCategory(id: 2, name: "digit 1", supercategory: "digit")],
            annotations: [
                COCOAnnotation(id: 10, imageID: 4, categoryID: 2, bbox: [3, 2, 5, 3], area: 15, segmentation: .rle(RunLengthMask(mask)),
                               attributes: ["color": "red"]),
                COCOAnnotation(id: 11, imageID: 4, categoryID: 1, bbox: [0.5, 0, 2.25, 3], area: 6.75,
                               segmentation: .polygons([[0.5, 0, 2.75, 0, 2.75, 3, 0.5, 3]])),
            ])
        let path = directory + "/instances.json"
        try file.write(to: path)
        let back = try COCOInstances.read(path)
        #expect(back == file)
        #expect(back.annotations[0].mask(width: 9, height: 7) == mask)

        let captions = COCOCaptions(images: file.images, annotations: [COCOCaption(id: 1, imageID: 4, caption: "a red 1 on grass")])
        try captions.write(to: directory + "/captions.json")
        #expect(try COCOCaptions.read(directory + "/captions.json") == captions)
    }

    @Test func realVOCFilesLoadWithTheBoxesTheyState() throws {
        let a = try VOCAnnotation.read(datasetsPath("voc-mini/Annotations/2011_000003.xml"))
        #expect(a.fileName == "2011_000003.jpg" && a.width == 500 && a.height == 338)
        #expect(a.objects.map(\.name) == ["person", "person"])
        #expect(a.objects[0] == VOCObject(name: "person", xmin: 191, ymin: 107.36900369003689, xmax: 313, ymax: 329.36900369003695))
        #expect(a.objects[1] == VOCObject(name: "person", xmin: 365, ymin: 83, xmax: 500, ymax: 333))
        let b = try VOCAnnotation.read(datasetsPath("voc-mini/Annotations/2011_000006.xml"))
        #expect(b.objects.count == 4)
        #expect(b.objects[0] == VOCObject(name: "person", xmin: 91, ymin: 107, xmax: 240, ymax: 330))
    }

    @Test func vocWriteReadRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = VOCAnnotation(fileName: "x&y.jpg", width: 64, height: 48, objects: [
            VOCObject(name: "digit 7", xmin: 1, ymin: 2, xmax: 30.5, ymax: 48, difficult: true),
            VOCObject(name: "digit 2", xmin: 0, ymin: 0, xmax: 64, ymax: 10, truncated: true),
        ])
        try file.write(to: directory + "/a.xml")
        #expect(try VOCAnnotation.read(directory + "/a.xml") == file)
    }

    @Test func paletteLabelMapRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var map = LabelMap(width: 6, height: 4)
        map[1, 1] = 3; map[2, 1] = 255; map[5, 3] = 10
        try DatasetImages.writeLabelMap(map, palette: .voc, to: directory + "/m.png")
        #expect(try DatasetImages.readLabelMap(directory + "/m.png", width: 6, height: 4) == map)
        #expect(throws: DatasetError.self) { try DatasetImages.readLabelMap(directory + "/m.png", width: 5, height: 4) }
    }
}
