// Augmentation: the protocol every augmentation conforms to, and the sample it transforms.
//
// An augmentation changes an image and its annotations together: boxes move (and are clipped
// or dropped) and label maps are resampled with nearest neighbour, so pixels and targets stay
// aligned. Randomness comes only from the generator passed in, so a seed reproduces the
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

    /// Creates a sample; `labels` must match the image size.
    public init(image: Image, boxes: [BoundingBox] = [], labels: LabelMap? = nil) {
        if let labels {
            precondition(labels.width == image.width && labels.height == image.height,
                         "AnnotatedImage: label map \(labels.width)x\(labels.height) vs image \(image.width)x\(image.height)")
        }
        self.image = image
        self.boxes = boxes
        self.labels = labels
    }

    /// Moves the image, boxes and labels by one affine map onto a `width` x `height` canvas;
    /// boxes mostly outside the result are dropped. Image fill is black, label fill ignore.
    public func warped(by transform: AffineTransform, width: Int, height: Int) -> AnnotatedImage {
        AnnotatedImage(image: image.warped(by: transform, width: width, height: height),
                       boxes: boxes.map { $0.transformed(by: transform) }.clipped(width: width, height: height),
                       labels: labels?.warped(by: transform, width: width, height: height))
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
