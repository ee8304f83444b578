// StageContext: what a conformance's constructor may know of the stages built before it, in
// pipeline order: the pipeline's backbone (so a head trained on the same weights shares it
// instead of loading a second copy) and whether a proposer runs before it.

/// The stages already built when a stage is constructed.
public struct StageContext: Sendable {
    /// The pipeline's backbone stage, if the pipeline file has one.
    public var backbone: (any Backbone)?
    /// Whether a region proposer runs before this stage.
    public var hasProposer: Bool

    /// Creates a context.
    public init(backbone: (any Backbone)? = nil, hasProposer: Bool = false) {
        (self.backbone, self.hasProposer) = (backbone, hasProposer)
    }

    /// The pipeline's backbone if it runs `identity` (the network and weights a head was trained
    /// on), so the head shares its pass; nil when the pipeline has no backbone or another one,
    /// and the head must bring its own.
    public func sharedBackbone(matching identity: BackboneIdentity) -> (any Backbone)? {
        backbone.flatMap { $0.identity == identity ? $0 : nil }
    }
}
