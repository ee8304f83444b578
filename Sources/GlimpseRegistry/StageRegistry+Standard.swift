// StageRegistry+Standard: the conformances that ship with Glimpse, assembled here, outside the
// runner, so a new model module (detection, segmentation, captioning) is one import and one
// entry in this file, and GlimpsePipeline never imports model code.

import GlimpseCaptioning
import GlimpseClassification
import GlimpseDetection
import GlimpsePipeline
import GlimpseProposals
import GlimpseSegmentation
import GlimpseStages

extension StageRegistry {
    /// The conformances that ship with Glimpse. A new conformance is one entry here.
    public static let standard: StageRegistry = {
        var registry = StageRegistry()
        for conformance in [
            ImageFileDecoder.registryEntry,
            SpecAugmenter.registryEntry,
            CNNBackbone.registryEntry,
            SqueezeNetClassifier.registryEntry,
            SelectiveSearch.registryEntry,
            RegionProposalNetwork.registryEntry,
            FastRCNNDetector.registryEntry,
            FasterRCNNDetector.registryEntry,
            RCNNDetector.registryEntry,
            MTCNNDetector.registryEntry,
            FCNSegmenter.registryEntry,
            TrunkFCNSegmenter.registryEntry,
            PerPixelSegmenter.registryEntry,
            NICCaptioner.registryEntry,
            NearestNeighbourCaptioner.registryEntry,
        ] {
            registry.register(conformance)
        }
        return registry
    }()
}
