// GeometricAugmentations: random crop, horizontal flip, rotation, shift and scale jitter.
//
// The augmentations the seed text lists for image classification, extended as detection
// needs: each moves the boxes, label map and instance masks with the pixels. Horizontal flip is opt-in per
// pipeline, since it is wrong for tasks that are not left-right symmetric (text, digits).

import GlimpseTensor

/// Crops a random region whose sides are a random fraction in [minScale, 1] of the image's.
public struct RandomCrop: Augmentation {
    /// The smallest side fraction kept.
    public var minScale: Float
    /// "crop".
    public var name: String { "crop" }
    /// Creates the crop; `minScale` in (0, 1].
    public init(minScale: Float = 0.6) {
        precondition(minScale > 0 && minScale <= 1, "RandomCrop: minScale \(minScale) outside (0, 1]")
        self.minScale = minScale
    }

    /// The sample cropped; boxes shifted, clipped, dropped when mostly cut away.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        let w = sample.image.width, h = sample.image.height
        let cw = max(1, Int((Float(w) * generator.uniform(minScale, 1)).rounded()))
        let ch = max(1, Int((Float(h) * generator.uniform(minScale, 1)).rounded()))
        let x = Int(generator.nextUniform() * Float(w - cw + 1)), y = Int(generator.nextUniform() * Float(h - ch + 1))
        return sample.moved(to: sample.image.cropped(x: x, y: y, width: cw, height: ch), clippingBoxes: true,
                            box: { box in
                                var b = box
                                b.x0 -= Float(x); b.x1 -= Float(x); b.y0 -= Float(y); b.y1 -= Float(y)
                                return b
                            },
                            plane: { $0.cropped(x: x, y: y, width: cw, height: ch, fill: $1) })
    }
}

/// Mirrors left to right with a probability.
public struct HorizontalFlip: Augmentation {
    /// The chance of flipping.
    public var probability: Float
    /// "flip".
    public var name: String { "flip" }
    /// Creates the flip.
    public init(probability: Float = 0.5) { self.probability = probability }

    /// The sample mirrored (or unchanged), boxes mirrored with it.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        guard generator.nextUniform() < probability else { return sample }
        let w = Float(sample.image.width)
        return sample.moved(to: sample.image.flippedHorizontally(), clippingBoxes: false,
                            box: { box in
                                var b = box
                                (b.x0, b.x1) = (w - box.x1, w - box.x0)
                                return b
                            },
                            plane: { map, _ in map.flippedHorizontally() })
    }
}

/// Rotates about the centre by a uniform angle in [-maxDegrees, maxDegrees], same size.
public struct RandomRotation: Augmentation {
    /// The largest angle either way.
    public var maxDegrees: Float
    /// "rotate".
    public var name: String { "rotate" }
    /// Creates the rotation.
    public init(maxDegrees: Float = 10) { self.maxDegrees = maxDegrees }

    /// The sample rotated; each box becomes the box around its rotated corners.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        let angle = Double(generator.uniform(-maxDegrees, maxDegrees))
        let w = sample.image.width, h = sample.image.height
        return sample.warped(by: .rotation(degrees: angle, about: Double(w) / 2, Double(h) / 2), width: w, height: h)
    }
}

/// Shifts by up to `maxFraction` of the width and height either way, same size.
public struct RandomShift: Augmentation {
    /// The largest shift as a fraction of the side.
    public var maxFraction: Float
    /// "shift".
    public var name: String { "shift" }
    /// Creates the shift.
    public init(maxFraction: Float = 0.1) { self.maxFraction = maxFraction }

    /// The sample shifted by whole pixels (so nothing is resampled).
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        let w = sample.image.width, h = sample.image.height
        let dx = (generator.uniform(-maxFraction, maxFraction) * Float(w)).rounded()
        let dy = (generator.uniform(-maxFraction, maxFraction) * Float(h)).rounded()
        return sample.warped(by: .translation(Double(dx), Double(dy)), width: w, height: h)
    }
}

/// Resizes by a random factor in [1 - amount, 1 + amount] (the whole image, nothing cut).
public struct ScaleJitter: Augmentation {
    /// The largest relative change of size.
    public var amount: Float
    /// "scale".
    public var name: String { "scale" }
    /// Creates the jitter; `amount` in [0, 1).
    public init(amount: Float = 0.2) {
        precondition(amount >= 0 && amount < 1, "ScaleJitter: amount \(amount) outside [0, 1)")
        self.amount = amount
    }

    /// The sample resized; boxes scaled by the exact size ratio.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        let factor = generator.uniform(1 - amount, 1 + amount)
        let w = sample.image.width, h = sample.image.height
        let nw = max(1, Int((Float(w) * factor).rounded())), nh = max(1, Int((Float(h) * factor).rounded()))
        let sx = Float(nw) / Float(w), sy = Float(nh) / Float(h)
        return sample.moved(to: sample.image.resized(width: nw, height: nh), clippingBoxes: false,
                            box: { box in
                                var b = box
                                b.x0 *= sx; b.x1 *= sx; b.y0 *= sy; b.y1 *= sy
                                return b
                            },
                            plane: { map, _ in map.resized(width: nw, height: nh) })
    }
}
