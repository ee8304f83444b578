// DomainChecked: a head stage that can tell when an image lies outside the domain it was
// trained on (a `FeatureDomain` in its weights file), so the runner skips the stage's output
// for that image and records why, rather than letting it describe a cat photo as a digit scene.

/// A head stage (classifier, detector, segmenter, caption decoder) that can judge whether an
/// image is in its training domain before it runs.
public protocol DomainChecked {
    /// The verdict for `input` (compare its feature vector with the stage's `FeatureDomain`),
    /// or nil when the stage has no domain summary (then it always runs).
    func domainVerdict(_ input: StageInput) -> DomainVerdict?
}

extension StageInstance {
    /// The stage as `DomainChecked` when it is a head stage that conforms, else nil.
    public var domainChecked: (any DomainChecked)? {
        switch self {
        case .classifier(let stage): return stage as? any DomainChecked
        case .detector(let stage): return stage as? any DomainChecked
        case .segmenter(let stage): return stage as? any DomainChecked
        case .captioner(let stage): return stage as? any DomainChecked
        case .decoder, .augmenter, .backbone, .proposer: return nil
        }
    }
}
