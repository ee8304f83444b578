// StageInstance: a constructed stage of any kind, so the registry can hold every constructor
// in one table and the runner can switch on what it got.

import GlimpseStages

/// One configured stage, wrapped with its kind.
public enum StageInstance: Sendable {
    /// An image decoder.
    case decoder(any ImageDecoder)
    /// An augmenter.
    case augmenter(any Augmenter)
    /// A feature extractor.
    case features(any FeatureExtractor)
    /// An image classifier.
    case classifier(any ImageClassifier)
    /// A region proposer.
    case proposer(any RegionProposer)
    /// A detector.
    case detector(any Detector)
    /// A segmenter.
    case segmenter(any Segmenter)
    /// A caption decoder.
    case captioner(any CaptionDecoder)

    /// The slot this stage fills.
    public var kind: StageKind {
        switch self {
        case .decoder: return .decoder
        case .augmenter: return .augmenter
        case .features: return .features
        case .classifier: return .classifier
        case .proposer: return .proposer
        case .detector: return .detector
        case .segmenter: return .segmenter
        case .captioner: return .captioner
        }
    }
}
