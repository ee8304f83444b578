// COCOResults: a COCO detection results file, loaded as pycocotools' `COCO.loadRes` loads it,
// and validated against the ground truth it is evaluated with.
//
// Format (https://cocodataset.org/#format-results): a JSON array of
// {"image_id", "category_id", "score", "bbox": [x, y, w, h]} and/or "segmentation" (an RLE
// object with compressed or uncompressed counts, or polygons). What loadRes does, kept here:
// - results are numbered 1, 2, ... in file order (their ids; never 0, see COCOEvaluation);
// - the first result decides the kind: if it has a non-empty `bbox`, every result is a box
//   result: area = w * h (also for `segm`), a missing segmentation becomes the box's
//   4-point polygon; otherwise every result is a mask result: area = the mask's pixel count,
//   a missing bbox is the mask's box (`toBbox`);
// - nothing is a crowd.
// Where loadRes asserts, crashes with a KeyError or silently drops entries (a category the
// ground truth does not have), this reader throws an `EvaluationError` naming the file and
// "result N" (0-based index into the array): malformed JSON, a missing or mistyped field, a
// non-finite score, an image or category id the ground truth does not have (a prediction file
// for another split), a mask of another size than its image.

import Foundation
import GlimpseDatasets
import GlimpseSerialization

/// One detection of a results file.
public struct COCODetection: Sendable, Equatable {
    /// 1-based position in the file (loadRes's `id`).
    public var id: Int
    /// The image it belongs to.
    public var imageID: Int
    /// Its category.
    public var categoryID: Int
    /// Its confidence; higher ranks first.
    public var score: Double
    /// `[x, y, width, height]`.
    public var bbox: [Double]
    /// Box area (box results) or mask pixel count (mask results), used for the area ranges.
    public var area: Double
    /// The mask, for `segm`: polygons, RLE, or the box's polygon for box results.
    public var segmentation: COCOSegmentation?

    /// Creates a detection.
    public init(id: Int, imageID: Int, categoryID: Int, score: Double, bbox: [Double], area: Double,
                segmentation: COCOSegmentation? = nil) {
        (self.id, self.imageID, self.categoryID, self.score) = (id, imageID, categoryID, score)
        (self.bbox, self.area, self.segmentation) = (bbox, area, segmentation)
    }
}

/// A results file loaded against its ground truth.
public struct COCOResults: Sendable, Equatable {
    /// The file the results came from (for messages).
    public var file: String
    /// The detections in file order.
    public var detections: [COCODetection]

    /// Wraps detections already checked against the ground truth.
    public init(file: String, detections: [COCODetection]) {
        self.file = file
        self.detections = detections
    }

    /// Reads and validates `path` against `groundTruth` (read from `groundTruthFile`).
    public static func read(_ path: String, groundTruth: COCOInstances, groundTruthFile: String) throws(EvaluationError) -> COCOResults {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError(.unreadable, file: path, "no such file or it cannot be read")
        }
        let bytes = [UInt8](data)
        let root: JSONValue
        do {
            root = try JSONParser().parse(bytes)
        } catch {
            let (line, column) = error.location(in: bytes)
            throw EvaluationError(.syntax, file: path, "line \(line) column \(column): \(error.message)")
        }
        return try decode(root, file: path, groundTruth: groundTruth, groundTruthFile: groundTruthFile)
    }

    /// Validates parsed JSON as results for `groundTruth`; `file` names it in errors.
    public static func decode(_ root: JSONValue, file: String, groundTruth: COCOInstances,
                              groundTruthFile: String) throws(EvaluationError) -> COCOResults {
        guard case let .array(items) = root else {
            throw EvaluationError(.invalidEntry, file: file, "expected a JSON array of results, found \(root.typeName)")
        }
        var images = [Int: COCOImage]()
        for image in groundTruth.images { images[image.id] = image }
        let categories = Set(groundTruth.categories.map(\.id))
        // loadRes's branch: the first result decides whether these are box or mask results.
        var boxResults = true
        if case let .array(first)? = items.first?["bbox"], !first.isEmpty {
            boxResults = true
        } else if items.first?["segmentation"] != nil {
            boxResults = false
        }
        var detections = [COCODetection]()
        detections.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let entry = "result \(index)"
            func fail(_ kind: EvaluationError.Kind, _ detail: String) -> EvaluationError {
                EvaluationError(kind, file: file, entry: entry, detail)
            }
            guard case let .object(members) = item else { throw fail(.invalidEntry, "expected an object, found \(item.typeName)") }
            func field(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
            func integer(_ key: String) throws(EvaluationError) -> Int {
                guard let v = field(key) else { throw fail(.invalidEntry, "field '\(key)' is missing") }
                guard let x = v.doubleValue, x == x.rounded(), abs(x) < 9e15 else {
                    throw fail(.invalidEntry, "field '\(key)': expected an integer, found \(v.serialized())")
                }
                return Int(x)
            }
            let imageID = try integer("image_id")
            guard let image = images[imageID] else {
                throw fail(.mismatch, "image id \(imageID) is not in the ground truth (\(groundTruthFile)): a prediction file for another split?")
            }
            let categoryID = try integer("category_id")
            guard categories.contains(categoryID) else {
                throw fail(.mismatch, "category id \(categoryID) is not in the ground truth (\(groundTruthFile))")
            }
            guard let scoreValue = field("score") else { throw fail(.invalidEntry, "field 'score' is missing") }
            guard let score = scoreValue.doubleValue, score.isFinite else {
                throw fail(.invalidEntry, "field 'score': expected a finite number, found \(scoreValue.serialized())")
            }
            var bbox: [Double]?
            if let v = field("bbox") {
                let numbers = try Self.numbers(v, field: "bbox", fail: fail)
                guard numbers.count == 4 || (numbers.isEmpty && !boxResults) else {
                    throw fail(.invalidEntry, "field 'bbox': expected 4 numbers [x, y, width, height], found \(numbers.count)")
                }
                if numbers.count == 4 {
                    guard numbers[2] >= 0, numbers[3] >= 0 else { throw fail(.invalidEntry, "field 'bbox': negative width or height in \(numbers)") }
                    bbox = numbers
                }
            }
            var segmentation: COCOSegmentation?
            if let v = field("segmentation") { segmentation = try Self.segmentation(v, image: image, fail: fail) }
            let detection: COCODetection
            if boxResults {
                guard let bbox else {
                    throw fail(.invalidEntry, "field 'bbox' is missing (the first result has a box, so every result needs one, as pycocotools' loadRes assumes)")
                }
                let (x0, y0, x1, y1) = (bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3])
                detection = COCODetection(id: index + 1, imageID: imageID, categoryID: categoryID, score: score, bbox: bbox,
                                          area: bbox[2] * bbox[3],
                                          segmentation: segmentation ?? .polygons([[x0, y0, x0, y1, x1, y1, x1, y0]]))
            } else {
                guard let segmentation else {
                    throw fail(.invalidEntry, "field 'segmentation' is missing (the first result has no box, so every result needs a mask)")
                }
                let mask = COCOEvaluation.mask(segmentation, height: image.height, width: image.width)
                detection = COCODetection(id: index + 1, imageID: imageID, categoryID: categoryID, score: score,
                                          bbox: bbox ?? MaskIoU.boundingBox(mask), area: Double(mask.area),
                                          segmentation: .rle(mask))
            }
            detections.append(detection)
        }
        return COCOResults(file: file, detections: detections)
    }

    private static func numbers(_ v: JSONValue, field: String,
                                fail: (EvaluationError.Kind, String) -> EvaluationError) throws(EvaluationError) -> [Double] {
        guard case let .array(items) = v else { throw fail(.invalidEntry, "field '\(field)': expected an array of numbers, found \(v.typeName)") }
        var out = [Double]()
        out.reserveCapacity(items.count)
        for item in items {
            guard let x = item.doubleValue, x.isFinite else {
                throw fail(.invalidEntry, "field '\(field)': expected numbers, found \(item.serialized())")
            }
            out.append(x)
        }
        return out
    }

    private static func segmentation(_ v: JSONValue, image: COCOImage,
                                     fail: (EvaluationError.Kind, String) -> EvaluationError) throws(EvaluationError) -> COCOSegmentation {
        switch v {
        case let .array(polygons):
            guard !polygons.isEmpty else { throw fail(.invalidEntry, "field 'segmentation': an empty list of polygons") }
            var out = [[Double]]()
            for (i, polygon) in polygons.enumerated() {
                let points = try numbers(polygon, field: "segmentation[\(i)]", fail: fail)
                // pycocotools reads a first "polygon" of 4 numbers as a box; refuse the ambiguity.
                guard points.count >= 6, points.count % 2 == 0 else {
                    throw fail(.invalidEntry, "field 'segmentation[\(i)]': a polygon needs an even count of at least 6 numbers, found \(points.count)")
                }
                let limit = Double(max(image.width, image.height)) * 4 + 16
                guard points.allSatisfy({ abs($0) <= limit }) else {
                    throw fail(.invalidEntry, "field 'segmentation[\(i)]': a point lies far outside the \(image.width)x\(image.height) image")
                }
                out.append(points)
            }
            return .polygons(out)
        case let .object(members):
            func member(_ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
            guard let sizeValue = member("size") else { throw fail(.invalidEntry, "field 'segmentation.size' is missing") }
            let size = try numbers(sizeValue, field: "segmentation.size", fail: fail)
            guard size == [Double(image.height), Double(image.width)] else {
                throw fail(.mismatch, "field 'segmentation.size': expected [\(image.height), \(image.width)] (image \(image.id)'s height, width), found \(size)")
            }
            guard let counts = member("counts") else { throw fail(.invalidEntry, "field 'segmentation.counts' is missing") }
            switch counts {
            case let .string(text):
                guard let rle = RunLengthMask(height: image.height, width: image.width, compressed: text) else {
                    throw fail(.invalidEntry, "field 'segmentation.counts': malformed compressed RLE or its runs do not cover \(image.width)x\(image.height)")
                }
                return .rle(rle)
            case .array:
                let runs = try numbers(counts, field: "segmentation.counts", fail: fail)
                let total = Double(image.width * image.height)
                guard runs.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 <= total }), runs.reduce(0, +) == total else {
                    throw fail(.invalidEntry, "field 'segmentation.counts': runs must be non-negative integers summing to \(image.width * image.height)")
                }
                return .rle(RunLengthMask(height: image.height, width: image.width, counts: runs.map { Int($0) }))
            default:
                throw fail(.invalidEntry, "field 'segmentation.counts': expected a string or an array, found \(counts.typeName)")
            }
        default:
            throw fail(.invalidEntry, "field 'segmentation': expected polygons or an RLE object, found \(v.typeName)")
        }
    }
}
