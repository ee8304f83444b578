// StageInstance: a constructed stage of any kind, so the registry can hold every constructor
// in one table and the runner can switch on what it got.


/// One configured stage, wrapped with its kind.
public enum StageInstance: Sendable {
    /// An image decoder.
    case decoder(any ImageDecoder)
    /// An augmenter.
    case augmenter(any Augmenter)
    /// The pipeline's backbone.
    case backbone(any Backbone)
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

    /// The backbone this stage reads, if any (always its own for a backbone stage).
    public var backboneRequirement: BackboneRequirement? {
        switch self {
        case .decoder, .augmenter: return nil
        case .backbone(let backbone): return BackboneRequirement(backbone: backbone, layers: [backbone.featureLayer])
        case .classifier(let stage): return stage.backboneRequirement
        case .proposer(let stage): return stage.backboneRequirement
        case .detector(let stage): return stage.backboneRequirement
        case .segmenter(let stage): return stage.backboneRequirement
        case .captioner(let stage): return stage.backboneRequirement
        }
    }

    /// The slot this stage fills.
    public var kind: StageKind {
        switch self {
        case .decoder: return .decoder
        case .augmenter: return .augmenter
        case .backbone: return .backbone
        case .classifier: return .classifier
        case .proposer: return .proposer
        case .detector: return .detector
        case .segmenter: return .segmenter
        case .captioner: return .captioner
        }
    }
}
