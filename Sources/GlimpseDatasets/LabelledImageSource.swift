// LabelledImageSource: the one protocol every labelled image collection conforms to, whatever
// its files look like (a COCO folder, a VOC folder, the scene generator's output), so trainers
// and evaluators take "a source" and never parse formats themselves.
//
// Items are loaded on demand by index; the order and the batches are plain index arrays made
// from a seed (`IndexedDataset.epochOrder`, `batches`), so a run is reproducible and a
// checkpoint can store (seed, epoch, position).

import GlimpseImaging
import GlimpseTensor

/// One labelled image; every kind of ground truth is optional because formats carry different ones.
public struct LabelledImage: Sendable, Equatable {
    /// The image's file name as the source knows it (unique within the source).
    public var name: String
    /// The pixels, `[H, W, C]`; nil when the source has annotations only.
    public var image: Image?
    /// Object boxes in pixels, `label` = class id (index into the source's `classNames`).
    public var boxes: [BoundingBox]?
    /// Instance masks, one per box in the same order, each `[H, W]`; nil when not every box has one.
    public var masks: [InstanceMask]?
    /// Semantic label map `[H, W]`: class id per pixel, 0 background, `LabelMap.ignore` (255) = ignore.
    public var labelMap: LabelMap?
    /// Reference captions.
    public var captions: [String]?

    /// Creates an item.
    public init(name: String, image: Image? = nil, boxes: [BoundingBox]? = nil, masks: [InstanceMask]? = nil,
                labelMap: LabelMap? = nil, captions: [String]? = nil) {
        precondition(masks == nil || masks!.count == boxes?.count, "LabelledImage: one mask per box")
        (self.name, self.image, self.boxes, self.masks, self.labelMap, self.captions) = (name, image, boxes, masks, labelMap, captions)
    }
}

/// A collection of labelled images addressed by index `0..<count`, loaded item by item. Class
/// names: id 0 is the background where the format has one; ids the format does not use hold "".
public protocol LabelledImageSource: IndexedDataset {
    /// Loads item `index` (precondition: `0 <= index < count`); throws naming the file at fault.
    func item(at index: Int) throws(DatasetError) -> LabelledImage
}

extension LabelledImageSource {
    /// Loads the items of one batch, in the batch's order.
    public func items(_ indices: [Int]) throws(DatasetError) -> [LabelledImage] {
        var out = [LabelledImage]()
        for i in indices { out.append(try item(at: i)) }
        return out
    }
}
