// Augmentation: the protocol every augmentation conforms to, and the sample it transforms.
//
// An augmentation changes an image and its annotations together: boxes move (and are clipped
// or dropped) and label maps and instance masks are resampled with nearest neighbour, so pixels
// and targets stay aligned. Randomness comes only from the generator passed in, so a seed reproduces the
// output. No associated types, so a pipeline can hold a list chosen by name at run time.

import GlimpseTensor

/// An image with the targets that must follow it through an augmentation.
public struct AnnotatedImage: Sendable, Equatable {
    /// The pixels.
    public var image: Image
    /// Object boxes in pixel coordinates of `image`.
    public var boxes: [BoundingBox]
    /// Per-pixel class ids, the same size as `image`, when the task is segmentation.
    public var labels: LabelMap?
    /// Instance masks, one per box in the same order, each the size of `image` with 1 on the
    /// instance's pixels and 0 elsewhere; empty when the task has none.
    public var masks: [LabelMap]

    /// Creates a sample; `labels` and every mask must match the image size, and `masks` is
    /// empty or has one mask per box.
    public init(image: Image, boxes: [BoundingBox] = [], labels: LabelMap? = nil, masks: [LabelMap] = []) {
        if let labels {
            precondition(labels.width == image.width && labels.height == image.height,
                         "AnnotatedImage: label map \(labels.width)x\(labels.height) vs image \(image.width)x\(image.height)")
        }
        precondition(masks.isEmpty || masks.count == boxes.count, "AnnotatedImage: \(masks.count) masks for \(boxes.count) boxes")
        for mask in masks {
            precondition(mask.width == image.width && mask.height == image.height,
                         "AnnotatedImage: mask \(mask.width)x\(mask.height) vs image \(image.width)x\(image.height)")
        }
        self.image = image
        self.boxes = boxes
        self.labels = labels
        self.masks = masks
    }

    /// Moves the image, boxes, labels and masks by one affine map onto a `width` x `height`
    /// canvas; boxes mostly outside the result are dropped with their masks. Image fill is
    /// black, label fill ignore, mask fill 0.
    public func warped(by transform: AffineTransform, width: Int, height: Int) -> AnnotatedImage {
        moved(to: image.warped(by: transform, width: width, height: height), clippingBoxes: true,
              box: { $0.transformed(by: transform) },
              plane: { $0.warped(by: transform, width: width, height: height, fill: $1) })
    }

    /// The sample with `image` as its pixels, each box mapped by `box`, and the label map and
    /// masks mapped by `plane` (given the value for pixels from outside the old image: ignore
    /// for the label map, 0 for a mask). With `clippingBoxes`, boxes are clipped to the new
    /// image and those mostly outside it are dropped together with their masks, so box `i`
    /// and mask `i` stay the same object.
    func moved(to image: Image, clippingBoxes: Bool, box: (BoundingBox) -> BoundingBox,
               plane: (LabelMap, UInt8) -> LabelMap) -> AnnotatedImage {
        var keptBoxes = [BoundingBox](), keptMasks = [LabelMap]()
        for (index, original) in boxes.enumerated() {
            let mapped = box(original)
            guard let kept = clippingBoxes ? [mapped].clipped(width: image.width, height: image.height).first : mapped else {
                continue
            }
            keptBoxes.append(kept)
            if !masks.isEmpty { keptMasks.append(plane(masks[index], 0)) }
        }
        return AnnotatedImage(image: image, boxes: keptBoxes, labels: labels.map { plane($0, LabelMap.ignore) }, masks: keptMasks)
    }
}

/// One augmentation step: transforms a sample consistently, drawing randomness only from
/// `generator`.
public protocol Augmentation: Sendable {
    /// The name a pipeline spec uses ("flip", "crop", ...).
    var name: String { get }
    /// The augmented sample.
    func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage
}

extension SeededGenerator {
    /// A uniform Float in [low, high].
    mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * nextUniform() }
}
