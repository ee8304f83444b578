// FeatureExtractor: the pipeline stage that turns images into CNN features (the "CNN feature
// extractor with transfer-learned weights" of the pipeline). One small protocol without
// associated types, so a pipeline file can pick a conformance by name at run time.

import GlimpseImaging
import GlimpseTensor

/// Turns decoded images into feature tensors.
public protocol FeatureExtractor: Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// Features of each image, stacked: `[N, C]` when pooled, `[N, C, H, W]` otherwise.
    func features(of images: [Image]) -> Tensor
}
