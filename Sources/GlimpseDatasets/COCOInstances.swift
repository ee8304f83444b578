// COCOInstances: the COCO object-instances annotation file (images, categories, annotations).
//
// Format: https://cocodataset.org/#format-data ("Object Detection"). `bbox` is [x, y, width,
// height] in pixels from the top-left corner; `segmentation` is a list of polygons or, for an
// exact mask, an RLE object {"size": [height, width], "counts": compressed string or list}.
//
// Reading validates everything a consumer relies on and throws `DatasetError` naming the file,
// the record ("annotation 17") and the field: required `id`, `image_id`, `category_id`, `bbox`
// (4 numbers, non-negative size, inside the image), known image and category ids, unique ids,
// an RLE `size` equal to its image's. `area` (default: the mask's, else the box's), `iscrowd`
// (default 0) and `segmentation` are optional. Fields this reader does not know are ignored,
// except the string-valued "attributes" object that Glimpse's scene generator writes.

import Foundation
import GlimpseImaging
import GlimpseSerialization

/// One image entry of a COCO file.
public struct COCOImage: Sendable, Equatable {
    /// Unique image id.
    public var id: Int
    /// Path of the image, relative to the folder holding the images.
    public var fileName: String
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int
    /// String attributes (Glimpse writes "background"); empty for plain COCO.
    public var attributes: [String: String]

    /// Creates an image entry.
    public init(id: Int, fileName: String, width: Int, height: Int, attributes: [String: String] = [:]) {
        (self.id, self.fileName, self.width, self.height, self.attributes) = (id, fileName, width, height, attributes)
    }
}

/// One category of a COCO file.
public struct COCOCategory: Sendable, Equatable {
    /// Unique category id (what annotations' `category_id` refers to).
    public var id: Int
    /// Display name.
    public var name: String
    /// Optional parent name.
    public var supercategory: String?

    /// Creates a category.
    public init(id: Int, name: String, supercategory: String? = nil) {
        (self.id, self.name, self.supercategory) = (id, name, supercategory)
    }
}

/// An instance's shape: polygons or a run-length mask.
public enum COCOSegmentation: Sendable, Equatable {
    /// Polygons, each `[x1, y1, x2, y2, ...]` in pixels; the instance is their union.
    case polygons([[Double]])
    /// An exact mask.
    case rle(RunLengthMask)
}

/// One object instance of a COCO file.
public struct COCOAnnotation: Sendable, Equatable {
    /// Unique annotation id.
    public var id: Int
    /// The image it belongs to.
    public var imageID: Int
    /// Its category.
    public var categoryID: Int
    /// `[x, y, width, height]` in pixels.
    public var bbox: [Double]
    /// Mask area in pixels (box area when there is no segmentation).
    public var area: Double
    /// Whether the annotation covers a crowd of objects (COCO's `iscrowd`).
    public var isCrowd: Bool
    /// The shape, when given.
    public var segmentation: COCOSegmentation?
    /// String attributes (Glimpse writes "color", "size" and "source"); empty for plain COCO.
    public var attributes: [String: String]

    /// Creates an annotation; `bbox` is `[x, y, width, height]`.
    public init(id: Int, imageID: Int, categoryID: Int, bbox: [Double], area: Double, isCrowd: Bool = false,
                segmentation: COCOSegmentation? = nil, attributes: [String: String] = [:]) {
        precondition(bbox.count == 4, "COCOAnnotation: bbox needs 4 numbers")
        (self.id, self.imageID, self.categoryID, self.bbox, self.area) = (id, imageID, categoryID, bbox, area)
        (self.isCrowd, self.segmentation, self.attributes) = (isCrowd, segmentation, attributes)
    }

    /// The box as edges, labelled with the category id.
    public var boundingBox: BoundingBox {
        BoundingBox(x0: Float(bbox[0]), y0: Float(bbox[1]), x1: Float(bbox[0] + bbox[2]), y1: Float(bbox[1] + bbox[3]),
                    label: categoryID)
    }

    /// The instance mask on a `width` x `height` image (polygons rasterised), nil without a segmentation.
    public func mask(width: Int, height: Int) -> InstanceMask? {
        switch segmentation {
        case nil: return nil
        case let .polygons(polygons): return PolygonRasterizer.mask(polygons: polygons, width: width, height: height)
        case let .rle(rle): return rle.decoded()
        }
    }
}

/// A COCO instances file: images, categories and annotations.
public struct COCOInstances: Sendable, Equatable {
    /// The images.
    public var images: [COCOImage]
    /// The categories.
    public var categories: [COCOCategory]
    /// The annotations.
    public var annotations: [COCOAnnotation]

    /// Creates a file's content.
    public init(images: [COCOImage], categories: [COCOCategory], annotations: [COCOAnnotation]) {
        (self.images, self.categories, self.annotations) = (images, categories, annotations)
    }

    /// The annotations of each image id, in file order.
    public func annotationsByImage() -> [Int: [COCOAnnotation]] {
        Dictionary(grouping: annotations, by: \.imageID)
    }

    // MARK: - Reading

    /// The largest image side a file may declare (masks are decoded at full size).
    public static let maxSide = 65_536
    /// The largest pixel count a file may declare per image.
    public static let maxPixels = 1 << 27
    /// The largest category id accepted (class names are indexed by id).
    public static let maxCategoryID = 65_535

    /// Reads and validates a COCO instances file.
    public static func read(_ path: String) throws(DatasetError) -> COCOInstances {
        try decode(try JSONValue.read(path), file: path)
    }

    /// Validates parsed JSON as a COCO instances file; `file` names it in errors.
    public static func decode(_ root: JSONValue, file: String) throws(DatasetError) -> COCOInstances {
        var images = [COCOImage]()
        var imageIndex = [Int: Int]()
        for (i, value) in try JSONRecord.rootArray(root, "images", file: file).enumerated() {
            var r = try JSONRecord(value, file: file, record: "images[\(i)]")
            let id = try r.int("id")
            r.record = "image \(id)"
            guard imageIndex[id] == nil else { throw r.error(.invalidValue, "id", "image id \(id) is used twice") }
            let width = try r.int("width"), height = try r.int("height")
            guard width > 0, width <= maxSide else { throw r.error(.invalidValue, "width", "must be 1-\(maxSide), found \(width)") }
            guard height > 0, height <= maxSide else { throw r.error(.invalidValue, "height", "must be 1-\(maxSide), found \(height)") }
            guard width * height <= maxPixels else {
                throw r.error(.invalidValue, "height", "\(width)x\(height) is more than \(maxPixels) pixels")
            }
            imageIndex[id] = images.count
            images.append(COCOImage(id: id, fileName: try r.string("file_name"), width: width, height: height,
                                    attributes: try attributes(r)))
        }
        var categories = [COCOCategory]()
        var categoryIDs = Set<Int>()
        for (i, value) in try JSONRecord.rootArray(root, "categories", file: file).enumerated() {
            var r = try JSONRecord(value, file: file, record: "categories[\(i)]")
            let id = try r.int("id")
            r.record = "category \(id)"
            guard id >= 0, id <= maxCategoryID else { throw r.error(.invalidValue, "id", "category ids must be 0-\(maxCategoryID), found \(id)") }
            guard categoryIDs.insert(id).inserted else { throw r.error(.invalidValue, "id", "category id \(id) is used twice") }
            var supercategory: String?
            if let v = r.value("supercategory"), v != .null { supercategory = try r.string("supercategory") }
            categories.append(COCOCategory(id: id, name: try r.string("name"), supercategory: supercategory))
        }
        var annotations = [COCOAnnotation]()
        var annotationIDs = Set<Int>()
        let annotationValues = JSONRecord.hasKey(root, "annotations")
            ? try JSONRecord.rootArray(root, "annotations", file: file) : []
        for (i, value) in annotationValues.enumerated() {
            var r = try JSONRecord(value, file: file, record: "annotations[\(i)]")
            let id = try r.int("id")
            r.record = "annotation \(id)"
            guard annotationIDs.insert(id).inserted else { throw r.error(.invalidValue, "id", "annotation id \(id) is used twice") }
            let imageID = try r.int("image_id")
            guard let imageAt = imageIndex[imageID] else { throw r.error(.invalidValue, "image_id", "no image has id \(imageID)") }
            let image = images[imageAt]
            let categoryID = try r.int("category_id")
            guard categoryIDs.contains(categoryID) else {
                throw r.error(.invalidValue, "category_id", "no category has id \(categoryID)")
            }
            let bbox = try r.numbers("bbox")
            guard bbox.count == 4 else { throw r.error(.invalidValue, "bbox", "expected 4 numbers [x, y, width, height], found \(bbox.count)") }
            guard bbox[2] >= 0, bbox[3] >= 0 else { throw r.error(.invalidValue, "bbox", "negative width or height in \(bbox)") }
            // A thousandth of a pixel: boxes written from Float keep ~7 significant digits, so a box
            // clipped to a 128-pixel edge can sum to 128.000002.
            let slack = 1e-3
            guard bbox[0] >= -slack, bbox[1] >= -slack, bbox[0] + bbox[2] <= Double(image.width) + slack,
                  bbox[1] + bbox[3] <= Double(image.height) + slack else {
                throw r.error(.invalidValue, "bbox", "box \(bbox) leaves the \(image.width)x\(image.height) image \(image.id)")
            }
            var isCrowd = false
            if r.value("iscrowd") != nil {
                let flag = try r.int("iscrowd")
                guard flag == 0 || flag == 1 else { throw r.error(.invalidValue, "iscrowd", "expected 0 or 1, found \(flag)") }
                isCrowd = flag == 1
            }
            var segmentation: COCOSegmentation?
            if let v = r.value("segmentation") { segmentation = try segmentationValue(v, record: r, image: image) }
            var area: Double
            if r.value("area") != nil {
                area = try r.double("area")
                guard area >= 0 else { throw r.error(.invalidValue, "area", "negative area \(area)") }
            } else if let segmentation {
                let a = COCOAnnotation(id: id, imageID: imageID, categoryID: categoryID, bbox: bbox, area: 0, segmentation: segmentation)
                area = Double(a.mask(width: image.width, height: image.height)!.area)
            } else {
                area = bbox[2] * bbox[3]
            }
            annotations.append(COCOAnnotation(id: id, imageID: imageID, categoryID: categoryID, bbox: bbox, area: area,
                                              isCrowd: isCrowd, segmentation: segmentation, attributes: try attributes(r)))
        }
        return COCOInstances(images: images, categories: categories, annotations: annotations)
    }

    private static func attributes(_ r: JSONRecord) throws(DatasetError) -> [String: String] {
        guard let v = r.value("attributes") else { return [:] }
        guard case let .object(pairs) = v else { throw r.error(.wrongType, "attributes", "expected an object, found \(v.typeName)") }
        var out = [String: String]()
        for (key, value) in pairs {
            guard case let .string(s) = value else {
                throw r.error(.wrongType, "attributes.\(key)", "expected a string, found \(value.typeName)")
            }
            out[key] = s
        }
        return out
    }

    private static func segmentationValue(_ v: JSONValue, record r: JSONRecord, image: COCOImage) throws(DatasetError) -> COCOSegmentation? {
        switch v {
        case .null: return nil
        case let .array(items):
            if items.isEmpty { return nil }
            var polygons = [[Double]]()
            for (i, item) in items.enumerated() {
                guard case let .array(coordinates) = item else {
                    throw r.error(.wrongType, "segmentation[\(i)]", "expected a polygon (array of numbers), found \(item.typeName)")
                }
                let polygon = try JSONRecord.numbers(coordinates, field: "segmentation[\(i)]", record: r)
                guard polygon.count >= 6, polygon.count % 2 == 0 else {
                    throw r.error(.invalidValue, "segmentation[\(i)]", "a polygon needs an even count of at least 6 numbers, found \(polygon.count)")
                }
                for k in stride(from: 0, to: polygon.count, by: 2) {
                    let (x, y) = (polygon[k], polygon[k + 1])
                    guard x >= -1, y >= -1, x <= Double(image.width) + 1, y <= Double(image.height) + 1 else {
                        throw r.error(.invalidValue, "segmentation[\(i)]", "point (\(x), \(y)) leaves the \(image.width)x\(image.height) image")
                    }
                }
                polygons.append(polygon)
            }
            return .polygons(polygons)
        case .object:
            let s = try JSONRecord(v, file: r.file, record: r.record)
            // compared as numbers: Int(_:) would trap on 1e300 or 48.5 (found by Fuzz/parsers)
            let size = try s.numbers("size")
            guard size == [Double(image.height), Double(image.width)] else {
                throw r.error(.invalidValue, "segmentation.size", "expected [\(image.height), \(image.width)] (the image's height, width), found \(size)")
            }
            let counts = try s.required("counts")
            switch counts {
            case let .string(text):
                guard let rle = RunLengthMask(height: image.height, width: image.width, compressed: text) else {
                    throw r.error(.invalidValue, "segmentation.counts", "malformed compressed RLE or its runs do not cover \(image.width)x\(image.height)")
                }
                return .rle(rle)
            case let .array(items):
                let runs = try JSONRecord.numbers(items, field: "segmentation.counts", record: r)
                guard runs.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 <= Double(image.width * image.height) }),
                      runs.reduce(0, +) == Double(image.width * image.height) else {
                    throw r.error(.invalidValue, "segmentation.counts", "runs must be non-negative integers summing to \(image.width * image.height)")
                }
                return .rle(RunLengthMask(height: image.height, width: image.width, counts: runs.map { Int($0) }))
            default:
                throw r.error(.wrongType, "segmentation.counts", "expected a string or an array, found \(counts.typeName)")
            }
        default:
            throw r.error(.wrongType, "segmentation", "expected an array of polygons or an RLE object, found \(v.typeName)")
        }
    }

    // MARK: - Writing

    /// The file as JSON: RLE masks are written in compressed string form.
    public func json() -> JSONValue {
        func attributesValue(_ a: [String: String]) -> [JSONMember] {
            a.isEmpty ? [] : [("attributes", .object(a.keys.sorted().map { ($0, .string(a[$0]!)) }))]
        }
        let images = images.map { image in
            JSONValue.object([("id", .number(Double(image.id))), ("file_name", .string(image.fileName)),
                              ("width", .number(Double(image.width))), ("height", .number(Double(image.height)))]
                             + attributesValue(image.attributes))
        }
        let categories = categories.map { c in
            JSONValue.object([("id", .number(Double(c.id))), ("name", .string(c.name))]
                             + (c.supercategory.map { [("supercategory", JSONValue.string($0))] } ?? []))
        }
        let annotations = annotations.map { a in
            var pairs: [JSONMember] = [
                ("id", .number(Double(a.id))), ("image_id", .number(Double(a.imageID))),
                ("category_id", .number(Double(a.categoryID))), ("bbox", .array(a.bbox.map { .number($0) })),
                ("area", .number(a.area)), ("iscrowd", .number(a.isCrowd ? 1 : 0)),
            ]
            switch a.segmentation {
            case nil: break
            case let .polygons(polygons):
                pairs.append(("segmentation", .array(polygons.map { .array($0.map { .number($0) }) })))
            case let .rle(rle):
                pairs.append(("segmentation", .object([("size", .array([.number(Double(rle.height)), .number(Double(rle.width))])),
                                                       ("counts", .string(rle.compressedString))])))
            }
            return JSONValue.object(pairs + attributesValue(a.attributes))
        }
        return .object([("images", .array(images)), ("categories", .array(categories)), ("annotations", .array(annotations))])
    }

    /// Writes the file atomically.
    public func write(to path: String) throws(DatasetError) {
        try DatasetFiles.writeAtomically(Array(json().serialized().utf8), to: path)
    }
}
