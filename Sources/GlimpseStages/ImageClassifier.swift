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
}
