// SpecAugmenter: the augmentation stage over GlimpseImaging's AugmentationPipeline, configured
// by the same spec string as `glimpse augment --ops` ("crop:0.6,flip,rotate:10").

import GlimpseImaging
import GlimpseStages
import GlimpseTensor

/// Applies an `AugmentationPipeline` to whole images.
public struct SpecAugmenter: Augmenter {
    /// `"spec"`.
    public static let conformanceName = "spec"

    /// The steps.
    public let pipeline: AugmentationPipeline

    /// Parses `spec`; throws `AugmentationSpecError` for an unknown step or bad value.
    public init(spec: String) throws {
        pipeline = try AugmentationPipeline(spec: spec)
    }

    /// The image after every step, drawing only from `random`.
    public func augment(_ image: Image, random: inout SeededGenerator) -> Image {
        pipeline.apply(AnnotatedImage(image: image), using: &random).image
    }

    /// The registry entry: `ops`, the spec string.
    public static let registryEntry = Conformance(
        kind: .augmenter, name: conformanceName, summary: "augmentations from a spec such as \"crop:0.6,flip\"",
        parameters: [ParameterSpec("ops", .string, required: true, help: "comma-separated NAME[:VALUE] steps")]
    ) { parameters in
        do {
            return .augmenter(try SpecAugmenter(spec: parameters.string("ops", default: "")))
        } catch {
            throw StageError(file: parameters.file, problem: "augmenter.ops: \(error)")
        }
    }
}
