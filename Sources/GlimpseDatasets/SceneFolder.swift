// SceneFolder: one split of a generated scene set (see SceneSetWriter for the layout) as a
// `LabelledImageSource`: images, boxes, instance masks, label maps and captions.

import GlimpseImaging

/// A split folder written by `SceneSetWriter` (or `glimpse datasets scenes`).
public struct SceneFolder: LabelledImageSource {
    /// The underlying COCO folder (instances, captions and label maps).
    public let coco: COCOFolder

    /// Opens `directory` (a split folder such as `OUT/train`, holding instances.json,
    /// captions.json, images/ and labels/).
    public init(directory: String) throws(DatasetError) {
        coco = try COCOFolder(annotations: directory + "/instances.json", imagesDirectory: directory,
                              captions: directory + "/captions.json", labelMapsDirectory: directory + "/labels")
    }

    /// The number of scenes.
    public var count: Int { coco.count }

    /// "background", then the digits "0" to "9" (class id = digit + 1).
    public var classNames: [String] { SceneGenerator.classNames }

    /// Scene `index` with all of its ground truth.
    public func item(at index: Int) throws(DatasetError) -> LabelledImage { try coco.item(at: index) }
}
