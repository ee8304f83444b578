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

    /// `segment` of each of a batch of images, in order: each image's label map or its own error
    /// (a bad image fails alone). Default: one call per image.
    func segment(_ inputs: [StageInput]) -> [Result<LabelMap, any Error>]
}

extension Segmenter {
    /// One `segment` per image.
    public func segment(_ inputs: [StageInput]) -> [Result<LabelMap, any Error>] {
        inputs.map { input in Result { try segment(input) } }
    }
}
