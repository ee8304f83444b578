// StageKind: the stages a pipeline file can configure, in the order the runner calls them.

/// A pipeline stage slot; its raw value is the key under `stages:` in a pipeline file.
public enum StageKind: String, Sendable, CaseIterable, Comparable {
    /// Bytes -> image (`ImageDecoder`); required.
    case decoder
    /// Test-time augmentation (`Augmenter`), seeded from the image's content hash.
    case augmenter
    /// The shared CNN (`Backbone`): runs once per image, its layer outputs go to every later stage.
    case backbone
    /// Whole-image classes (`ImageClassifier`).
    case classifier
    /// Class-agnostic candidate boxes (`RegionProposer`).
    case proposer
    /// Scored, labelled boxes (`Detector`).
    case detector
    /// Per-pixel class ids (`Segmenter`).
    case segmenter
    /// Sentences (`CaptionDecoder`).
    case captioner

    /// Orders kinds by their place in the pipeline.
    public static func < (a: StageKind, b: StageKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
