// COCOExport: boxes in the COCO formats (cocodataset.org/#format-data, #format-results).
// `boxes.coco.json` is a dataset file (images, categories, annotations with scores) that
// pycocotools' COCO() loads; `boxes.results.json` is the results list that COCO.loadRes()
// loads against it. Category ids are the detector's training-set ids (`Detector.categoryIDs`,
// by default 1 + the label index); bbox is [x, y, width, height].

import Foundation
import GlimpseSerialization

/// The COCO files for a run's boxes.
struct COCOExport {
    struct ImageRecord { var id: Int; var file_name: String; var width: Int; var height: Int }
    struct Category { var id: Int; var name: String }
    struct Annotation {
        var id: Int; var image_id: Int; var category_id: Int; var bbox: [Float]; var area: Float; var iscrowd: Int; var score: Float
    }

    let images: [ImageRecord]
    let categories: [Category]
    let annotations: [Annotation]

    /// Builds the files from per-image results, boxes from detections (else proposals).
    init(categories: [String], categoryIDs: [Int]? = nil, results: [(imageID: Int, stem: String, result: ImageResult)]) {
        let ids = categoryIDs ?? categories.indices.map { $0 + 1 }
        precondition(ids.count == categories.count, "COCOExport: \(ids.count) ids for \(categories.count) categories")
        var images = [ImageRecord](), annotations = [Annotation]()
        for record in results {
            images.append(ImageRecord(id: record.imageID, file_name: record.result.input, width: record.result.width,
                                      height: record.result.height))
            for box in record.result.exportedBoxes ?? [] {
                let bbox = [box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0]
                annotations.append(Annotation(id: annotations.count + 1, image_id: record.imageID, category_id: ids.indices.contains(box.label) ? ids[box.label] : box.label + 1,
                                              bbox: bbox, area: bbox[2] * bbox[3], iscrowd: 0, score: box.score))
            }
        }
        self.images = images
        self.categories = categories.enumerated().map { Category(id: ids[$0.offset], name: $0.element) }
        self.annotations = annotations
    }

    /// The dataset file: compact, keys sorted.
    func datasetJSON() -> Data {
        let root = JSONValue.object([
            ("images", .array(images.map {
                .object([("id", .integer($0.id)), ("file_name", .string($0.file_name)), ("width", .integer($0.width)),
                         ("height", .integer($0.height))])
            })),
            ("categories", .array(categories.map { .object([("id", .integer($0.id)), ("name", .string($0.name))]) })),
            ("annotations", .array(annotations.map { a in
                .object([("id", .integer(a.id)), ("image_id", .integer(a.image_id)), ("category_id", .integer(a.category_id)),
                         ("bbox", .array(a.bbox.map { .float($0) })), ("area", .float(a.area)), ("iscrowd", .integer(a.iscrowd)),
                         ("score", .float(a.score))])
            })),
        ])
        return Data(root.encoderText(pretty: false).utf8)
    }

    /// The results list: compact, keys sorted.
    func resultsJSON() -> Data {
        let list = JSONValue.array(annotations.map { a in
            .object([("image_id", .integer(a.image_id)), ("category_id", .integer(a.category_id)),
                     ("bbox", .array(a.bbox.map { .float($0) })), ("score", .float(a.score))])
        })
        return Data(list.encoderText(pretty: false).utf8)
    }
}
