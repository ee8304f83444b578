// ImageClassifier: whole-image class scores (the ImageNet classifier stage).

import GlimpseImaging

/// One class and its probability.
public struct ClassScore: Sendable, Equatable {
    /// Index into the classifier's `categories`.
    public var classIndex: Int
    /// The class's name.
    public var label: String
    /// Softmax probability in [0, 1].
    public var probability: Float

    /// Creates a score.
    public init(classIndex: Int, label: String, probability: Float) {
        (self.classIndex, self.label, self.probability) = (classIndex, label, probability)
    }
}

/// Scores whole images against a fixed list of classes.
public protocol ImageClassifier: BackboneConsumer, Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// The class names, in logit order.
    var categories: [String] { get }

    /// The `top` most probable classes of one image, most probable first
    /// (min(top, categories.count) entries).
    func classify(_ input: StageInput, top: Int) throws -> [ClassScore]

    /// `classify` of each of a batch of images, in order: each image's classes or its own error
    /// (a bad image fails alone). Default: one call per image.
    func classify(_ inputs: [StageInput], top: Int) -> [Result<[ClassScore], any Error>]
}

extension ImageClassifier {
    /// One `classify` per image.
    public func classify(_ inputs: [StageInput], top: Int) -> [Result<[ClassScore], any Error>] {
        inputs.map { input in Result { try classify(input, top: top) } }
    }
}
