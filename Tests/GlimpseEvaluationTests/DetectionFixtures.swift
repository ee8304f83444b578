// DetectionFixtures: a non-trivial detection ground truth and results made from generated
// scenes, for the golden tests against pycocotools.
//
// Ground truth: 48 scenes of 256x256 with 1-5 digits of 12-220 px (small, medium and large
// objects), then: every 9th annotation a crowd region, three images emptied, every annotation
// of category 10 removed (a category with detections but no ground truth), every 3rd mask
// turned into a staircase polygon traced from the mask's rows (every 5th of those split into
// two polygons), every 4th remaining RLE written with uncompressed counts.
// Results, from a seeded generator: each ground truth dropped (15%) or detected once or twice
// (duplicates), its box jittered in position and size, its label changed (10%), scores on a
// 0.1 grid (many ties); its mask shifted by the same offset; 0-2 false positives per image;
// 130 tied small boxes on image 1 (more than maxDets = 100 for one image and category).
// Three results files: boxes only (loadRes' box branch), compressed masks only (its mask
// branch: area = pixels, bbox = toBbox), and boxes with masks as compressed RLE, uncompressed
// RLE or polygons (box branch with segmentations).

import Foundation
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseSerialization
import GlimpseTensor

/// The scene generator of the detection fixtures (nil when datasets/ is missing).
let detectionSceneGenerator: SceneGenerator? = try? SceneGenerator(
    mnistDirectory: detectionRepositoryRoot + "/datasets/mnist", texturesDirectory: detectionRepositoryRoot + "/datasets/textures",
    size: 256, maxObjects: 5, minDigitSide: 12, maxDigitSide: 220)

/// Ground truth and three results files for the golden tests.
struct DetectionFixture {
    /// The ground truth.
    var groundTruth: COCOInstances
    /// Its JSON, some RLE counts uncompressed.
    var groundTruthJSON: JSONValue
    /// Box results.
    var boxResults: [JSONValue]
    /// Mask results (compressed RLE, no bbox).
    var maskResults: [JSONValue]
    /// Box results with masks of every kind.
    var mixedResults: [JSONValue]

    /// Builds the fixture from `generator` and `seed`.
    static func make(_ generator: SceneGenerator, images: Int = 48, seed: UInt64 = 7) -> DetectionFixture {
        let size = generator.size
        var annotations = [COCOAnnotation](), imageEntries = [COCOImage]()
        for index in 0..<images {
            imageEntries.append(COCOImage(id: index, fileName: "\(index).png", width: size, height: size))
            if [5, 17, 33].contains(index) { continue }
            for object in generator.scene(seed: seed, split: .test, index: index).objects where object.digit != 9 {
                let rle = RunLengthMask(object.mask)
                let b = object.box
                var annotation = COCOAnnotation(
                    id: annotations.count + 1, imageID: index, categoryID: object.digit + 1,
                    bbox: [Double(b.x0), Double(b.y0), Double(b.x1 - b.x0), Double(b.y1 - b.y0)], area: Double(rle.area),
                    isCrowd: (annotations.count + 1) % 9 == 0, segmentation: .rle(rle))
                if annotation.id % 3 == 0 {
                    annotation.segmentation = .polygons(staircasePolygons(object.mask, split: annotation.id % 5 == 0))
                }
                annotations.append(annotation)
            }
            // Digits rarely cover more than 96² pixels: every 6th image also gets a large ellipse.
            if index % 6 == 2 {
                let mask = ellipse(index: index, size: size)
                let e = mask.tightBox()!
                annotations.append(COCOAnnotation(
                    id: annotations.count + 1, imageID: index, categoryID: 1 + index % 9,
                    bbox: [Double(e.x0), Double(e.y0), Double(e.x1 - e.x0), Double(e.y1 - e.y0)], area: Double(mask.area),
                    isCrowd: index % 4 == 0, segmentation: .rle(RunLengthMask(mask))))
            }
        }
        let groundTruth = COCOInstances(images: imageEntries, categories: SceneSetWriter.categories, annotations: annotations)
        var json = groundTruth.json()
        if case var .object(members) = json, let at = members.firstIndex(where: { $0.key == "annotations" }),
           case var .array(items) = members[at].value {
            for (i, annotation) in annotations.enumerated() where annotation.id % 4 == 0 {
                guard case let .rle(rle)? = annotation.segmentation, case var .object(fields) = items[i] else { continue }
                let s = fields.firstIndex { $0.key == "segmentation" }!
                fields[s].value = .object([("size", .array([.integer(size), .integer(size)])),
                                           ("counts", .array(rle.counts.map { .integer($0) }))])
                items[i] = .object(fields)
            }
            members[at].value = .array(items)
            json = .object(members)
        }

        var random = SeededGenerator(seed: seed &+ 1000)
        func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(random.nextUniform()) }
        func integer(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }
        var boxes = [JSONValue](), masks = [JSONValue](), mixed = [JSONValue]()
        func emit(image: Int, category: Int, box: [Double], mask: InstanceMask, score: Double) {
            let rle = RunLengthMask(mask)
            let base: [JSONMember] = [("image_id", .integer(image)), ("category_id", .integer(category))]
            let boxValue = JSONValue.array(box.map { .number($0) })
            let compressed = JSONValue.object([("size", .array([.integer(size), .integer(size)])), ("counts", .string(rle.compressedString))])
            boxes.append(.object(base + [("bbox", boxValue), ("score", .number(score))]))
            masks.append(.object(base + [("segmentation", compressed), ("score", .number(score))]))
            let segmentation: JSONValue
            switch mixed.count % 3 {
            case 0: segmentation = compressed
            case 1: segmentation = .object([("size", .array([.integer(size), .integer(size)])), ("counts", .array(rle.counts.map { .integer($0) }))])
            default:
                // An octagon inside the box, with fractional vertices.
                let (x, y, w, h) = (box[0], box[1], box[2], box[3])
                let points = [x + w * 0.3, y, x + w * 0.7, y + 0.25, x + w, y + h * 0.3, x + w - 0.5, y + h * 0.7,
                              x + w * 0.7, y + h, x + w * 0.3, y + h - 0.5, x, y + h * 0.7, x + 0.25, y + h * 0.3]
                segmentation = .array([.array(points.map { .number($0) })])
            }
            mixed.append(.object(base + [("bbox", boxValue), ("score", .number(score)), ("segmentation", segmentation)]))
        }
        for annotation in annotations {
            let r = uniform(0, 1)
            if r < 0.15 { continue }
            let copies = r < 0.32 ? 2 : 1
            let full = COCOEvaluation.mask(annotation.segmentation!, height: size, width: size)
            for _ in 0..<copies {
                let (x, y, w, h) = (annotation.bbox[0], annotation.bbox[1], annotation.bbox[2], annotation.bbox[3])
                let reach = max(1, Int(max(w, h) / 8))
                let dx = integer(-reach...reach), dy = integer(-reach...reach)
                let box = [x + Double(dx), y + Double(dy), w * uniform(0.85, 1.15), h * uniform(0.85, 1.15)]
                let category = uniform(0, 1) < 0.1 ? integer(1...10) : annotation.categoryID
                let score = Double(integer(0...9)) / 10 + 0.05
                // Masks move less than boxes (a digit's strokes are thin): by one pixel, half of the time.
                let (mx, my) = uniform(0, 1) < 0.5 ? (dx.signum(), dy.signum()) : (0, 0)
                emit(image: annotation.imageID, category: category, box: box, mask: shifted(full.decoded(), dx: mx, dy: my),
                     score: score)
            }
        }
        for image in 0..<images {
            for _ in 0..<integer(0...2) {
                let w = uniform(6, 120), h = uniform(6, 120)
                let box = [uniform(0, Double(size) - w), uniform(0, Double(size) - h), w, h]
                emit(image: image, category: integer(1...10), box: box, mask: filled(box, size: size),
                     score: Double(integer(0...9)) / 10 + 0.05)
            }
        }
        for k in 0..<130 {
            let box = [Double(k % 16) * 15 + 2, Double(k / 16) * 25 + 3, 12, 20]
            emit(image: 1, category: 2, box: box, mask: filled(box, size: size), score: Double(k % 4) / 10 + 0.05)
        }
        return DetectionFixture(groundTruth: groundTruth, groundTruthJSON: json, boxResults: boxes, maskResults: masks,
                                mixedResults: mixed)
    }

    /// Writes gt.json, boxes.json, masks.json and mixed.json into `directory`.
    func write(to directory: String) throws {
        try Data(groundTruthJSON.serialized().utf8).write(to: URL(fileURLWithPath: directory + "/gt.json"))
        for (name, items) in [("boxes", boxResults), ("masks", maskResults), ("mixed", mixedResults)] {
            try Data(JSONValue.array(items).serialized().utf8).write(to: URL(fileURLWithPath: directory + "/\(name).json"))
        }
    }

    /// A polygon tracing every 3rd row's leftmost and rightmost pixel edge (down the left side,
    /// up the right), at fractional y; optionally split into a top and a bottom polygon.
    static func staircasePolygons(_ mask: InstanceMask, split: Bool) -> [[Double]] {
        var rows = [(y: Int, left: Int, right: Int)]()
        for y in stride(from: 0, to: mask.height, by: 3) {
            let xs = (0..<mask.width).filter { mask[$0, y] }
            if let l = xs.first, let r = xs.last { rows.append((y, l, r + 1)) }
        }
        if rows.count < 2 {
            let e = mask.tightBox()!
            let (x0, y0, x1, y1) = (Double(e.x0), Double(e.y0), Double(e.x1), Double(e.y1))
            return [[x0, y0, x1, y0, x1, y1, x0, y1]]
        }
        func polygon(_ part: ArraySlice<(y: Int, left: Int, right: Int)>) -> [Double] {
            var points = [Double]()
            for row in part { points += [Double(row.left), Double(row.y) + 0.5] }
            for row in part.reversed() { points += [Double(row.right) - 0.25, Double(row.y) + 0.5] }
            return points
        }
        if split && rows.count >= 4 {
            let middle = rows.count / 2
            return [polygon(rows[..<middle]), polygon(rows[middle...])]
        }
        return [polygon(rows[...])]
    }

    /// A filled ellipse of 60-110 px radii (area above 96²) placed by `index`.
    static func ellipse(index: Int, size: Int) -> InstanceMask {
        let a = Double(60 + (index * 37) % 50), b = Double(60 + (index * 53) % 50)
        let cx = a + Double((index * 29) % max(1, size - Int(2 * a))), cy = b + Double((index * 41) % max(1, size - Int(2 * b)))
        var mask = InstanceMask(width: size, height: size)
        for y in 0..<size {
            for x in 0..<size {
                let u = (Double(x) + 0.5 - cx) / a, v = (Double(y) + 0.5 - cy) / b
                if u * u + v * v <= 1 { mask[x, y] = true }
            }
        }
        return mask
    }

    /// `mask` moved by (dx, dy), pixels leaving the image dropped.
    static func shifted(_ mask: InstanceMask, dx: Int, dy: Int) -> InstanceMask {
        var out = InstanceMask(width: mask.width, height: mask.height)
        for y in 0..<mask.height {
            for x in 0..<mask.width where mask[x, y] {
                let (u, v) = (x + dx, y + dy)
                if u >= 0, v >= 0, u < mask.width, v < mask.height { out[u, v] = true }
            }
        }
        return out
    }

    /// The pixels whose centres lie inside `box` on a `size` x `size` image.
    static func filled(_ box: [Double], size: Int) -> InstanceMask {
        var mask = InstanceMask(width: size, height: size)
        for y in 0..<size where Double(y) + 0.5 >= box[1] && Double(y) + 0.5 < box[1] + box[3] {
            for x in 0..<size where Double(x) + 0.5 >= box[0] && Double(x) + 0.5 < box[0] + box[2] { mask[x, y] = true }
        }
        return mask
    }
}
