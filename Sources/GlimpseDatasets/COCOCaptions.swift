// COCOCaptions: the COCO captions annotation file (images and one record per reference caption).
//
// Format: https://cocodataset.org/#format-data ("Image Captioning"): `images` as in the
// instances file and `annotations` of {"id", "image_id", "caption"}. Reading requires all three
// fields, unique ids and known image ids, and throws `DatasetError` naming the file, the
// annotation and the field.

import GlimpseSerialization

/// One reference caption.
public struct COCOCaption: Sendable, Equatable {
    /// Unique annotation id.
    public var id: Int
    /// The image it describes.
    public var imageID: Int
    /// The sentence.
    public var caption: String

    /// Creates a caption record.
    public init(id: Int, imageID: Int, caption: String) { (self.id, self.imageID, self.caption) = (id, imageID, caption) }
}

/// A COCO captions file.
public struct COCOCaptions: Sendable, Equatable {
    /// The images.
    public var images: [COCOImage]
    /// The captions.
    public var annotations: [COCOCaption]

    /// Creates a file's content.
    public init(images: [COCOImage], annotations: [COCOCaption]) { (self.images, self.annotations) = (images, annotations) }

    /// The captions of each image id, in file order.
    public func captionsByImage() -> [Int: [String]] {
        var out = [Int: [String]]()
        for a in annotations { out[a.imageID, default: []].append(a.caption) }
        return out
    }

    /// Reads and validates a captions file.
    public static func read(_ path: String) throws(DatasetError) -> COCOCaptions {
        try decode(try JSONValue.read(path), file: path)
    }

    /// Validates parsed JSON as a captions file; `file` names it in errors.
    public static func decode(_ root: JSONValue, file: String) throws(DatasetError) -> COCOCaptions {
        // The image list has the same rules as in an instances file.
        let images = try COCOInstances.decode(
            .object([("images", root["images"] ?? .null), ("categories", .array([]))]), file: file).images
        let imageIDs = Set(images.map(\.id))
        var annotations = [COCOCaption]()
        var ids = Set<Int>()
        for (i, value) in try JSONRecord.rootArray(root, "annotations", file: file).enumerated() {
            var r = try JSONRecord(value, file: file, record: "annotations[\(i)]")
            let id = try r.int("id")
            r.record = "annotation \(id)"
            guard ids.insert(id).inserted else { throw r.error(.invalidValue, "id", "annotation id \(id) is used twice") }
            let imageID = try r.int("image_id")
            guard imageIDs.contains(imageID) else { throw r.error(.invalidValue, "image_id", "no image has id \(imageID)") }
            annotations.append(COCOCaption(id: id, imageID: imageID, caption: try r.string("caption")))
        }
        return COCOCaptions(images: images, annotations: annotations)
    }

    /// The file as JSON.
    public func json() -> JSONValue {
        let instances = COCOInstances(images: images, categories: [], annotations: []).json()
        let annotations = annotations.map {
            JSONValue.object([("id", .number(Double($0.id))), ("image_id", .number(Double($0.imageID))),
                              ("caption", .string($0.caption))])
        }
        return .object([("images", instances["images"]!), ("annotations", .array(annotations))])
    }

    /// Writes the file atomically.
    public func write(to path: String) throws(DatasetError) {
        try DatasetFiles.writeAtomically(Array(json().serialized().utf8), to: path)
    }
}
