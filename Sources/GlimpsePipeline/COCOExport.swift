// COCOExport: boxes in the COCO formats (cocodataset.org/#format-data, #format-results).
// `boxes.coco.json` is a dataset file (images, categories, annotations with scores) that
// pycocotools' COCO() loads; `boxes.results.json` is the results list that COCO.loadRes()
// loads against it. Category ids are 1 + the stage's label index; bbox is [x, y, width, height].

import Foundation

/// The COCO files for a run's boxes.
struct COCOExport {
    struct ImageRecord: Codable { var id: Int; var file_name: String; var width: Int; var height: Int }
    struct Category: Codable { var id: Int; var name: String }
    struct Annotation: Codable {
        var id: Int; var image_id: Int; var category_id: Int; var bbox: [Float]; var area: Float; var iscrowd: Int; var score: Float
    }
    struct Result: Codable { var image_id: Int; var category_id: Int; var bbox: [Float]; var score: Float }
    struct Dataset: Codable { var images: [ImageRecord]; var categories: [Category]; var annotations: [Annotation] }

    let dataset: Dataset

    /// Builds the files from per-image results, boxes from detections (else proposals).
    init(categories: [String], results: [(imageID: Int, stem: String, result: ImageResult)]) {
        var images = [ImageRecord](), annotations = [Annotation]()
        for record in results {
            images.append(ImageRecord(id: record.imageID, file_name: record.result.input, width: record.result.width,
                                      height: record.result.height))
            for box in record.result.exportedBoxes ?? [] {
                let bbox = [box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0]
                annotations.append(Annotation(id: annotations.count + 1, image_id: record.imageID, category_id: box.label + 1,
                                              bbox: bbox, area: bbox[2] * bbox[3], iscrowd: 0, score: box.score))
            }
        }
        dataset = Dataset(images: images,
                          categories: categories.enumerated().map { Category(id: $0.offset + 1, name: $0.element) },
                          annotations: annotations)
    }

    /// The dataset file.
    func datasetJSON() -> Data { OutputWriter.encode(dataset, pretty: false) }

    /// The results list.
    func resultsJSON() -> Data {
        OutputWriter.encode(dataset.annotations.map {
            Result(image_id: $0.image_id, category_id: $0.category_id, bbox: $0.bbox, score: $0.score)
        }, pretty: false)
    }
}
