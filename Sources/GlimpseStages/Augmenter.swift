// Augmenter: an image -> image transformation drawn from a seeded generator (test-time
// augmentation in a batch pipeline, training-time augmentation in fine-tuning).

import GlimpseImaging
import GlimpseTensor

/// Transforms an image with randomness drawn only from `random`, so a seed reproduces it.
public protocol Augmenter: Sendable {
    /// The name a pipeline file uses for this conformance.
    static var conformanceName: String { get }

    /// The transformed image; the same image and generator state give the same result.
    func augment(_ image: Image, random: inout SeededGenerator) -> Image
}
