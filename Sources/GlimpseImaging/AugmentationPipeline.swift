// AugmentationPipeline: augmentations composed from a list of names, e.g. the spec
// "crop:0.6,flip,rotate:10,brightness:0.2" (a pipeline file or `glimpse augment --ops`).
//
// Each entry is NAME or NAME:VALUE with one number (see `AugmentationPipeline.registry`).
// The same seed gives the same output, because each sample's randomness comes from one
// SeededGenerator handed through the steps in order.

import Foundation
import GlimpseTensor

/// A spec string that names an unknown augmentation or gives a bad value.
public struct AugmentationSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending entry.
    public var entry: String
    /// What is wrong with it.
    public var reason: String
    /// "augmentation 'entry': reason".
    public var description: String { "augmentation '\(entry)': \(reason)" }
}

/// A list of augmentations applied in order.
public struct AugmentationPipeline: Sendable {
    /// The steps, in order.
    public var steps: [any Augmentation]

    /// Creates a pipeline from steps.
    public init(_ steps: [any Augmentation]) { self.steps = steps }

    /// Constructors by name, taking the entry's number (nil when absent) and what it means.
    public static let registry: [String: (help: String, make: @Sendable (Float?) throws -> any Augmentation)] = [
        "crop": ("random crop; value = smallest side fraction (default 0.6)", { v in
            guard (v ?? 0.6) > 0 && (v ?? 0.6) <= 1 else { throw AugmentationSpecError(entry: "crop", reason: "needs 0 < value <= 1") }
            return RandomCrop(minScale: v ?? 0.6) }),
        "flip": ("horizontal flip; value = probability (default 0.5)", { v in HorizontalFlip(probability: v ?? 0.5) }),
        "rotate": ("rotation; value = largest angle in degrees (default 10)", { v in RandomRotation(maxDegrees: v ?? 10) }),
        "shift": ("shift; value = largest fraction of the side (default 0.1)", { v in RandomShift(maxFraction: v ?? 0.1) }),
        "scale": ("scale jitter; value = largest relative size change (default 0.2)", { v in
            guard (v ?? 0.2) >= 0 && (v ?? 0.2) < 1 else { throw AugmentationSpecError(entry: "scale", reason: "needs 0 <= value < 1") }
            return ScaleJitter(amount: v ?? 0.2) }),
        "brightness": ("brightness; value = largest change as a fraction of full scale (default 0.2)", { v in Brightness(maxDelta: v ?? 0.2) }),
        "contrast": ("contrast; value = largest relative change (default 0.3)", { v in Contrast(amount: v ?? 0.3) }),
    ]

    /// Parses a spec such as "crop:0.6,flip,rotate:10".
    public init(spec: String) throws {
        var steps = [any Augmentation]()
        for raw in spec.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard let maker = Self.registry[parts[0]] else {
                throw AugmentationSpecError(entry: entry, reason: "unknown; known: \(Self.registry.keys.sorted().joined(separator: ", "))")
            }
            var value: Float?
            if parts.count == 2 {
                guard let v = Float(parts[1]), v.isFinite else { throw AugmentationSpecError(entry: entry, reason: "the value is not a number") }
                value = v
            }
            steps.append(try maker.make(value))
        }
        self.init(steps)
    }

    /// The sample after every step, drawing from `generator`.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        var current = sample
        for step in steps { current = step.apply(current, using: &generator) }
        return current
    }

    /// The sample after every step with a fresh generator from `seed`.
    public func apply(_ sample: AnnotatedImage, seed: UInt64) -> AnnotatedImage {
        var generator = SeededGenerator(seed: seed)
        return apply(sample, using: &generator)
    }
}
