// DetectionSet: the images of a labelled source with their object boxes and region proposals,
// loaded once for a training run (R-CNN and Fast R-CNN both train on proposals, and selective
// search is far slower than a training step). Boxes are validated as they are loaded: a box
// that is degenerate, flipped, outside the image or of an unknown class is an error naming the
// image; an image without objects is kept (all of its proposals are background).

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseStages
import GlimpseTensor

/// One training or validation image.
public struct DetectionExample: Sendable {
    /// The image's name in its source.
    public var name: String
    /// The pixels.
    public var image: Image
    /// The objects, `label` = the source's class id.
    public var boxes: [BoundingBox]
    /// The proposer's boxes for the image, best first.
    public var proposals: [BoundingBox]
}

/// The images of a source with boxes and proposals, and the source's categories.
public struct DetectionSet: Sendable {
    /// The examples in source order.
    public var examples: [DetectionExample]
    /// The object categories: the source's class ids that have a name (0, the background, excluded).
    public var categoryIDs: [Int]
    /// The name of each category.
    public var categories: [String]

    /// Creates a set from examples and categories (tests, subsets).
    public init(examples: [DetectionExample], categoryIDs: [Int], categories: [String]) {
        (self.examples, self.categoryIDs, self.categories) = (examples, categoryIDs, categories)
    }

    /// The categories of a source: every class id from 1 with a non-empty name.
    public static func categories(of source: any LabelledImageSource) -> (ids: [Int], names: [String]) {
        let ids = source.classNames.indices.filter { $0 >= 1 && !source.classNames[$0].isEmpty }
        return (ids, ids.map { source.classNames[$0] })
    }

    /// Loads items `indices` of `source` (named `sourceName` in errors) and runs `proposer` on
    /// each image (none: no proposals, for a region proposal network's training), on `threads` threads; reports `(done, total)` through `progress`. Throws a
    /// `DatasetError` naming the image when it has no pixels, no box annotations, or an
    /// invalid box; the proposer's own errors pass through.
    public static func load(source: any LabelledImageSource, sourceName: String, indices: [Int],
                            proposer: (any RegionProposer)?, threads: Int = Compute.threads,
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> DetectionSet {
        let (ids, names) = categories(of: source)
        guard !ids.isEmpty else {
            throw DatasetError(.missingField, file: sourceName, "the source names no object classes")
        }
        let known = Set(ids)
        var examples = [DetectionExample?](repeating: nil, count: indices.count)
        var failure: (any Error)?
        let lock = NSLock()
        var done = 0
        let chunk = 8
        var next = 0
        // Work is handed out in small chunks so one slow image does not idle the other threads.
        let workers = max(1, min(threads, indices.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let start = next
                next += chunk
                let stop = failure != nil
                lock.unlock()
                if stop || start >= indices.count { return }
                for position in start..<min(start + chunk, indices.count) {
                    do {
                        let example = try Self.example(source.item(at: indices[position]), sourceName: sourceName,
                                                       known: known, proposer: proposer)
                        lock.lock()
                        examples[position] = example
                        done += 1
                        let count = done
                        lock.unlock()
                        if count % 16 == 0 || count == indices.count { lock.lock(); progress(count, indices.count); lock.unlock() }
                    } catch {
                        lock.lock()
                        if failure == nil { failure = error }
                        lock.unlock()
                        return
                    }
                }
            }
        }
        if let failure { throw failure }
        return DetectionSet(examples: examples.map { $0! }, categoryIDs: ids, categories: names)
    }

    /// One item checked and proposed for.
    static func example(_ item: LabelledImage, sourceName: String, known: Set<Int>,
                        proposer: (any RegionProposer)?) throws -> DetectionExample {
        guard let image = item.image else {
            throw DatasetError(.unreadable, file: item.name, "the source \(sourceName) gives no pixels for this image")
        }
        guard let boxes = item.boxes else {
            throw DatasetError(.missingField, file: item.name, "no box annotations (a detector trains on boxes)")
        }
        for (k, box) in boxes.enumerated() {
            try validate(box, index: k, image: image, file: item.name, known: known)
        }
        let proposals = try proposer?.propose(StageInput(image: image)) ?? []
        return DetectionExample(name: item.name, image: image, boxes: boxes, proposals: proposals)
    }

    /// Throws naming `file` and the object when `box` is not a usable ground-truth box of an
    /// image of `image`'s size: non-finite, flipped, empty, outside the image, or of a class not in `known`.
    public static func validate(_ box: BoundingBox, index: Int, image: Image, file: String, known: Set<Int>) throws {
        let record = "object \(index)"
        let coordinates = [box.x0, box.y0, box.x1, box.y1]
        guard coordinates.allSatisfy(\.isFinite) else {
            throw DatasetError(.invalidValue, file: file, record: record, field: "bbox", "non-finite coordinate in \(coordinates)")
        }
        guard box.x1 >= box.x0 && box.y1 >= box.y0 else {
            throw DatasetError(.invalidValue, file: file, record: record, field: "bbox",
                               "flipped box (x0 \(box.x0), y0 \(box.y0), x1 \(box.x1), y1 \(box.y1))")
        }
        guard box.x1 - box.x0 >= 1 && box.y1 - box.y0 >= 1 else {
            throw DatasetError(.invalidValue, file: file, record: record, field: "bbox",
                               "degenerate box \(box.x1 - box.x0) x \(box.y1 - box.y0) px (under 1 px)")
        }
        // Half a pixel of slack: COCO files store float corners that round past the edge.
        let (w, h) = (Float(image.width), Float(image.height))
        guard box.x0 >= -0.5 && box.y0 >= -0.5 && box.x1 <= w + 0.5 && box.y1 <= h + 0.5 else {
            throw DatasetError(.invalidValue, file: file, record: record, field: "bbox",
                               "box (\(box.x0), \(box.y0))-(\(box.x1), \(box.y1)) leaves the \(image.width)x\(image.height) image")
        }
        guard known.contains(box.label) else {
            throw DatasetError(.invalidValue, file: file, record: record, field: "category",
                               "class id \(box.label) is not one of the source's classes \(known.sorted())")
        }
    }
}
