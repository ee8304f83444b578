// Segmenter: per-pixel class ids (the FCN stage).

import GlimpseImaging

/// Labels every pixel with a class id.
public protocol Segmenter: BackboneConsumer, Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// The class names; id `i` in a label map names `categories[i]` (0 is background).
    var categories: [String] { get }

    /// A label map the size of `input.image`.
    func segment(_ input: StageInput) throws -> LabelMap
}
