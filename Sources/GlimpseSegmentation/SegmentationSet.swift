// SegmentationSet: the images and label maps of a labelled source, loaded once for a training
// run (images at their own size, as bytes). Every label map is checked as it is loaded, so bad
// data stops the run before the first step with the file and the cause: a missing label map,
// one of another size than its image, or a class id beyond the set's classes (255, VOC's
// "ignore" border, is allowed).

import GlimpseDatasets
import GlimpseImaging
import GlimpseTensor

/// One training or validation image with its label map.
public struct SegmentationExample: Sendable {
    /// The image's name in its source.
    public var name: String
    /// The image.
    public var image: Image
    /// Its label map, the image's size.
    public var labelMap: LabelMap

    /// Creates an example; `labelMap` must be `image`'s size.
    public init(name: String, image: Image, labelMap: LabelMap) {
        precondition(labelMap.width == image.width && labelMap.height == image.height,
                     "SegmentationExample: label map \(labelMap.width)x\(labelMap.height) for image \(image.width)x\(image.height)")
        (self.name, self.image, self.labelMap) = (name, image, labelMap)
    }
}

/// Images with label maps, and the class names of their ids.
public struct SegmentationSet: Sendable {
    /// Class names by id (0: background).
    public var classes: [String]
    /// The examples.
    public var examples: [SegmentationExample]
    /// Where they came from (for messages).
    public var sourceName: String

    /// Creates a set from examples.
    public init(classes: [String], examples: [SegmentationExample], sourceName: String) {
        (self.classes, self.examples, self.sourceName) = (classes, examples, sourceName)
    }

    /// Loads items `indices` of `source`; `classes` defaults to the source's class names. Throws
    /// `DatasetError` naming the file for an unreadable item, a missing label map, a label map of
    /// another size, or an id that is neither a class nor 255. `progress(done, total)` is called per item.
    public static func load(source: any LabelledImageSource, sourceName: String, indices: [Int], classes: [String]? = nil,
                            progress: (Int, Int) -> Void = { _, _ in }) throws(DatasetError) -> SegmentationSet {
        let classes = classes ?? source.classNames
        var examples = [SegmentationExample]()
        examples.reserveCapacity(indices.count)
        for (done, index) in indices.enumerated() {
            let item = try source.item(at: index)
            let file = sourceName + "/" + item.name
            guard let image = item.image else { throw DatasetError(.unreadable, file: file, "no image") }
            guard let map = item.labelMap else {
                throw DatasetError(.missingField, file: file, "no label map: segmentation needs one per image")
            }
            try check(map, image: image, classCount: classes.count, file: file)
            examples.append(SegmentationExample(name: item.name, image: image, labelMap: map))
            progress(done + 1, indices.count)
        }
        return SegmentationSet(classes: classes, examples: examples, sourceName: sourceName)
    }

    /// Throws naming `file` when `map` is not `image`'s size or holds an id that is neither
    /// below `classCount` nor 255.
    public static func check(_ map: LabelMap, image: Image, classCount: Int, file: String) throws(DatasetError) {
        guard map.width == image.width, map.height == image.height else {
            throw DatasetError(.invalidValue, file: file, "label map is \(map.width)x\(map.height), its image \(image.width)x\(image.height)")
        }
        if let bad = map.presentIDs.first(where: { Int($0) >= classCount && $0 != LabelMap.ignore }) {
            let count = map.ids.reduce(0) { $0 + ($1 == bad ? 1 : 0) }
            throw DatasetError(.invalidValue, file: file,
                               "class id \(bad) in \(count) pixels of the label map, but there are \(classCount) classes (0..<\(classCount)) and 255 (ignore)")
        }
    }
}
