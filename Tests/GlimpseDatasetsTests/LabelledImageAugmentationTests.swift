// A labelled image through the box- and mask-aware augmentations: after a flip (and a crop that
// cuts one object away) each box, its instance mask, the label map and the pixels still
// describe the same objects.

import GlimpseDatasets
import GlimpseImaging
import GlimpseTensor
import Testing

@Suite struct LabelledImageAugmentationTests {
    /// A 40x20 grey image with two objects: a red 6x4 block at columns 2..<8, rows 3..<7 (class
    /// 1) and a green 5x8 block at columns 30..<35, rows 10..<18 (class 2); boxes, masks and a
    /// label map for both.
    static func twoObjects() -> LabelledImage {
        let (width, height) = (40, 20)
        var image = Image(width: width, height: height, fill: [50, 50, 50])
        var labels = LabelMap(width: width, height: height, fill: 0)
        let objects: [(x: Range<Int>, y: Range<Int>, color: [UInt8], label: Int)] = [
            (2..<8, 3..<7, [255, 0, 0], 1), (30..<35, 10..<18, [0, 255, 0], 2),
        ]
        var boxes = [BoundingBox](), masks = [InstanceMask]()
        for object in objects {
            var mask = InstanceMask(width: width, height: height)
            for y in object.y {
                for x in object.x {
                    image.setPixel(x: x, y: y, object.color)
                    labels[x, y] = UInt8(object.label)
                    mask[x, y] = true
                }
            }
            boxes.append(BoundingBox(x0: Float(object.x.lowerBound), y0: Float(object.y.lowerBound),
                                     x1: Float(object.x.upperBound), y1: Float(object.y.upperBound), label: object.label))
            masks.append(mask)
        }
        return LabelledImage(name: "two.png", image: image, boxes: boxes, masks: masks, labelMap: labels, captions: ["two blocks"])
    }

    /// Each box is its mask's tight box, each mask pixel has the box's class in the label map and
    /// the object's colour in the image, and no pixel outside the masks has an object colour.
    static func expectAligned(_ item: LabelledImage) throws {
        let image = try #require(item.image), labels = try #require(item.labelMap)
        let boxes = try #require(item.boxes), masks = try #require(item.masks)
        #expect(boxes.count == masks.count)
        for (box, mask) in zip(boxes, masks) {
            let edges = try #require(mask.tightBox())
            #expect(BoundingBox(x0: Float(edges.x0), y0: Float(edges.y0), x1: Float(edges.x1), y1: Float(edges.y1), label: box.label) == box)
            for y in 0..<mask.height {
                for x in 0..<mask.width where mask[x, y] {
                    #expect(labels[x, y] == UInt8(box.label), "(\(x), \(y))")
                    #expect(image[x, y, box.label == 1 ? 0 : 1] == 255 && image[x, y, 2] == 0, "(\(x), \(y))")
                }
            }
        }
        for y in 0..<image.height {
            for x in 0..<image.width where !masks.contains(where: { $0[x, y] }) {
                #expect(image[x, y, 0] == 50 && labels[x, y] == 0, "(\(x), \(y))")
            }
        }
    }

    @Test func aFlippedSampleKeepsBoxesMasksAndLabelsOnItsPixels() throws {
        let item = Self.twoObjects()
        var generator = SeededGenerator(seed: 1)
        let flipped = item.augmented(by: AugmentationPipeline([HorizontalFlip(probability: 1)]), using: &generator)
        // Mirrored in a 40-wide image: columns 2..<8 -> 32..<38, 30..<35 -> 5..<10.
        #expect(flipped.boxes == [BoundingBox(x0: 32, y0: 3, x1: 38, y1: 7, label: 1), BoundingBox(x0: 5, y0: 10, x1: 10, y1: 18, label: 2)])
        #expect(flipped.name == item.name && flipped.captions == item.captions)
        try Self.expectAligned(flipped)
        try Self.expectAligned(item)
    }

    @Test func aBoxCutAwayIsDroppedWithItsMask() throws {
        let item = Self.twoObjects()
        // Crops draw width and height fractions, then x and y: find a seed whose 0.5 crop keeps
        // exactly one of the two objects, to check that box and mask leave together.
        let crop = AugmentationPipeline([RandomCrop(minScale: 0.5)])
        var found = false
        for seed in UInt64(0)..<200 {
            var generator = SeededGenerator(seed: seed)
            let out = item.augmented(by: crop, using: &generator)
            guard out.boxes?.count == 1 else { continue }
            found = true
            #expect(out.masks?.count == 1)
            // The kept object is whole or clipped; its mask still lies inside its box.
            let box = try #require(out.boxes?.first), mask = try #require(out.masks?.first)
            let edges = try #require(mask.tightBox())
            #expect(Float(edges.x0) >= box.x0 && Float(edges.x1) <= box.x1 && Float(edges.y0) >= box.y0 && Float(edges.y1) <= box.y1)
            #expect(mask.width == out.image?.width && mask.height == out.image?.height)
            break
        }
        #expect(found, "no seed in 0..<200 kept exactly one object")
    }
}
