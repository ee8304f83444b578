// StageInput: everything a stage after the backbone sees for one image: the (augmented) image,
// the shared backbone's features when the stage asked for them, and the region proposals when
// a proposer ran before it.

import GlimpseImaging

/// One image's inputs to a head stage.
public struct StageInput: Sendable {
    /// The decoded (and augmented) image.
    public var image: Image
    /// The backbone features the stage declared in its `BackboneRequirement`, or nil when it declared none.
    public var features: BackboneFeatures?
    /// The region proposer's boxes, best first (empty when there is no proposer or it has not run yet).
    public var proposals: [BoundingBox]

    /// Creates a stage input.
    public init(image: Image, features: BackboneFeatures? = nil, proposals: [BoundingBox] = []) {
        (self.image, self.features, self.proposals) = (image, features, proposals)
    }
}

/// What a head needs from a backbone: the network it runs on (the pipeline's own, or one the head
/// loaded because it was trained on other weights) and the layers it reads.
public struct BackboneRequirement: Sendable {
    /// The backbone to run; the pipeline runs each distinct identity once per image.
    public var backbone: any Backbone
    /// The layer outputs the head reads from `StageInput.features`.
    public var layers: [String]

    /// Creates a requirement; every layer must be one of the backbone's.
    public init(backbone: any Backbone, layers: [String]) {
        precondition(layers.allSatisfy(backbone.layerNames.contains),
                     "BackboneRequirement: \(layers) not all in \(backbone.layerNames)")
        (self.backbone, self.layers) = (backbone, layers)
    }
}

/// A stage that may read backbone features; stages working on pixels only keep the default (none).
public protocol BackboneConsumer {
    /// The backbone and layers this stage reads, or nil when it works on the pixels alone.
    var backboneRequirement: BackboneRequirement? { get }
}

extension BackboneConsumer {
    /// Works on the pixels alone.
    public var backboneRequirement: BackboneRequirement? { nil }
}
