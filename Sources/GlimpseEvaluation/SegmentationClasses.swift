// SegmentationClasses: the names of a label map's class ids, from a COCO instances file, a list,
// or the ids themselves.
//
// In a label map the pixel value is the class id. Glimpse's scenes and the VOC folders write
// COCO category ids as those values (scenes: digit + 1 with 0 the background; VOC-mini: 0
// `_background_`, 1-20 the objects), so a COCO file names the ids directly: class k is the
// category with id k, id 0 is "background" unless a category says otherwise, and the classes run
// from 0 to the largest category id.

import GlimpseDatasets

/// Class names indexed by label-map id.
public struct SegmentationClasses: Sendable, Equatable {
    /// `names[id]`; the class count is `names.count`.
    public var names: [String]
    /// Where the names came from, in words ("instances.json", "--classes", "the label maps").
    public var source: String

    /// Names given in id order (1...256 of them).
    public init(names: [String], source: String) {
        precondition((1...256).contains(names.count), "SegmentationClasses: 1...256 names, not \(names.count)")
        self.names = names
        self.source = source
    }

    /// Ids 0 through `count - 1` named by their number.
    public static func numbered(_ count: Int, source: String) -> SegmentationClasses {
        SegmentationClasses(names: (0..<count).map(String.init), source: source)
    }

    /// The categories of a COCO instances file, by id (see the file comment); throws naming
    /// `file` when an id cannot be a label-map value (negative, above 255, or the ignore label).
    public static func coco(_ instances: COCOInstances, file: String, ignoreLabel: UInt8?) throws(EvaluationError) -> SegmentationClasses {
        guard !instances.categories.isEmpty else {
            throw EvaluationError(.invalidEntry, file: file, "no categories to name the classes")
        }
        for category in instances.categories {
            if category.id < 0 || category.id > 255 || category.id == ignoreLabel.map(Int.init) {
                let why = category.id == ignoreLabel.map(Int.init) ? "the ignore label" : "outside a label map's 0-255"
                throw EvaluationError(.invalidEntry, file: file, entry: "category \(category.id)",
                                      "the id is \(why), so it cannot be a class of a label map")
            }
        }
        let largest = instances.categories.map(\.id).max()!
        var names = (0...largest).map { $0 == 0 ? "background" : "class \($0)" }
        for category in instances.categories { names[category.id] = category.name }
        return SegmentationClasses(names: names, source: file)
    }
}
