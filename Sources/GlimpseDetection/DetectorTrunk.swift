// DetectorTrunk: a detector's fine-tuned convolutional trunk as a pipeline `Backbone`, so the
// pipeline runs it once per image like any backbone and a Fast R-CNN head reads its feature
// map through `StageInput.features` (the house's shared-features mechanism). Its identity is
// the detector weights file's digest: every head trained on those weights shares the pass.

import GlimpseImaging
import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// The trunk of a detector network, run by the pipeline as a backbone.
public struct DetectorTrunk: Backbone {
    /// `"detector-trunk"` (not chosen in pipeline files: a detector brings it).
    public static let conformanceName = "detector-trunk"

    /// The trunk layers.
    public let trunk: Sequential
    /// How images become its input.
    public let preprocessing: ImagePreprocessing
    /// The architecture's name and the weights file's digest.
    public let identity: BackboneIdentity

    /// Wraps `trunk`, fed by `preprocessing`, named by `identity`.
    public init(trunk: Sequential, preprocessing: ImagePreprocessing, identity: BackboneIdentity) {
        (self.trunk, self.preprocessing, self.identity) = (trunk, preprocessing, identity)
    }

    /// The trunk's layers, input to output.
    public var layerNames: [String] { trunk.layers.map(\.name) }

    /// Its last layer (the feature map detectors read).
    public var featureLayer: String { trunk.layers.last!.name }

    /// One pass over `image`, keeping the outputs of `layers`, each `[1, C, h, w]`.
    public func features(of image: Image, layers: Set<String>) -> BackboneFeatures {
        BackboneFeatures(identity: identity, preprocessing: preprocessing, imageWidth: image.width, imageHeight: image.height,
                         layers: trunk(preprocessing.tensor(for: image), outputs: Array(layers)))
    }

    /// The feature layer's activations of one image, global-average-pooled to `[C]`.
    public func featureVector(_ features: BackboneFeatures) -> [Float] {
        GlobalAvgPool()(features[featureLayer]).scalars
    }
}
