// DetectionValidation: COCO box AP of a detector on a `DetectionSet`, through the library's
// pycocotools-exact evaluation (GlimpseEvaluation), so a trainer's validation figures are the
// numbers `glimpse eval detections` would print for the same detections. Ground-truth areas
// are the boxes' areas (the set has no masks to measure).

import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseTensor

/// COCO AP of detections on a detection set.
public enum DetectionValidation {
    /// AP@[.5:.95], AP50 and AP75 (maxDets 100) of `detect` on every example of `set` (images in
    /// parallel on the compute threads). `detect` returns boxes whose `label` indexes `set.categories`.
    public static func evaluate(_ set: DetectionSet, detect: (DetectionExample) -> [BoundingBox]) -> [String: Double] {
        return evaluate(set, detections: parallelMap(set.examples, detect))
    }

    /// `transform` of every element, elements spread over the compute threads in chunks.
    static func parallelMap<T, U>(_ items: [T], _ transform: (T) -> U) -> [U] {
        var out = [U?](repeating: nil, count: items.count)
        out.withUnsafeMutableBufferPointer { slots in
            let base = slots
            Compute.parallelChunks(items.count, chunks: min(items.count, 4 * max(1, Compute.threads))) { _, range in
                for i in range { base[i] = transform(items[i]) }
            }
        }
        return out.map { $0! }
    }

    /// AP@[.5:.95], AP50 and AP75 of `detections` (one list per example, `label` indexing `set.categories`).
    public static func evaluate(_ set: DetectionSet, detections: [[BoundingBox]]) -> [String: Double] {
        precondition(detections.count == set.examples.count, "DetectionValidation: \(detections.count) lists for \(set.examples.count) images")
        var images = [COCOImage](), annotations = [COCOAnnotation](), results = [COCODetection]()
        for (i, example) in set.examples.enumerated() {
            images.append(COCOImage(id: i + 1, fileName: example.name, width: example.image.width, height: example.image.height))
            for box in example.boxes {
                let bbox = [Double(box.x0), Double(box.y0), Double(box.x1 - box.x0), Double(box.y1 - box.y0)]
                annotations.append(COCOAnnotation(id: annotations.count + 1, imageID: i + 1, categoryID: box.label,
                                                  bbox: bbox, area: bbox[2] * bbox[3]))
            }
            for box in detections[i] {
                let bbox = [Double(box.x0), Double(box.y0), Double(box.x1 - box.x0), Double(box.y1 - box.y0)]
                results.append(COCODetection(id: results.count + 1, imageID: i + 1, categoryID: set.categoryIDs[box.label],
                                             score: Double(box.score ?? 0), bbox: bbox, area: bbox[2] * bbox[3]))
            }
        }
        let truth = COCOInstances(images: images, categories: zip(set.categoryIDs, set.categories).map { COCOCategory(id: $0, name: $1) },
                                  annotations: annotations)
        let stats = COCOEvaluation.evaluate(groundTruth: truth, results: COCOResults(file: "<validation>", detections: results),
                                            parameters: COCOEvaluationParameters(iouType: .bbox)).stats
        return ["AP": max(0, stats[0]), "AP50": max(0, stats[1]), "AP75": max(0, stats[2])]
    }
}
