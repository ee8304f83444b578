// PhotoAugmentation: seeded random horizontal flips and random resized crops of photo batches,
// the augmentation of torchvision's fine-tuning recipes (RandomHorizontalFlip,
// RandomResizedCrop) applied to images already resized to the network's input.
//
// A crop keeps a random fraction of the area, in [minimumScale, 1], with a random aspect
// ratio (log-uniform in [3/4, 4/3]) at a random position, and is resampled bilinearly to the
// full size; a crop wider or taller than the image is clamped to it. Every image draws exactly
// `randomValuesPerImage` uniforms whatever is switched on, so the generator stays in step with
// the data order and a run resumes from a saved generator state.

import Foundation
import GlimpseTensor

/// Random horizontal flip and resized crop of `[B, C, H, W]` batches, reproducible from a seed.
public struct PhotoAugmentation: Sendable, Equatable {
    /// Chance that an image is mirrored left to right (0: never).
    public var flipProbability: Float
    /// The smallest fraction of the image's area a crop keeps (1: no cropping).
    public var minimumScale: Float
    /// The largest aspect-ratio change of a crop (ratios are log-uniform in 1/this...this).
    public var maximumAspectChange: Float

    /// Uniforms drawn per image: flip, scale, aspect, x, y.
    public static let randomValuesPerImage = 5

    /// Creates the augmentation; `minimumScale` in (0, 1], `flipProbability` in [0, 1].
    public init(flipProbability: Float = 0.5, minimumScale: Float = 1, maximumAspectChange: Float = 4.0 / 3.0) {
        precondition(flipProbability >= 0 && flipProbability <= 1, "PhotoAugmentation: flip probability \(flipProbability)")
        precondition(minimumScale > 0 && minimumScale <= 1, "PhotoAugmentation: minimum scale \(minimumScale) not in (0, 1]")
        precondition(maximumAspectChange >= 1, "PhotoAugmentation: aspect change \(maximumAspectChange) below 1")
        self.flipProbability = flipProbability
        self.minimumScale = minimumScale
        self.maximumAspectChange = maximumAspectChange
    }

    /// Whether this augmentation changes anything.
    public var isIdentity: Bool { flipProbability == 0 && minimumScale == 1 }

    /// One image's draw: mirror or not, and the crop window in input pixels (origin and size).
    public struct Draw: Sendable, Equatable {
        /// Mirror left to right.
        public var flip: Bool
        /// The window's left edge.
        public var x: Float
        /// The window's top edge.
        public var y: Float
        /// The window's width.
        public var width: Float
        /// The window's height.
        public var height: Float
    }

    /// The next image's flip and crop for a `height` x `width` image: draws exactly
    /// `randomValuesPerImage` uniforms.
    public func draw(height: Int, width: Int, using generator: inout SeededGenerator) -> Draw {
        let (uFlip, uScale, uAspect, uX, uY) = (generator.nextUniform(), generator.nextUniform(), generator.nextUniform(),
                                                generator.nextUniform(), generator.nextUniform())
        let flip = uFlip < flipProbability
        guard minimumScale < 1 else { return Draw(flip: flip, x: 0, y: 0, width: Float(width), height: Float(height)) }
        let scale = minimumScale + (1 - minimumScale) * uScale
        let aspect = exp((2 * uAspect - 1) * log(maximumAspectChange))
        let w = min(Float(width), (scale * aspect).squareRoot() * Float(width))
        let h = min(Float(height), (scale / aspect).squareRoot() * Float(height))
        return Draw(flip: flip, x: uX * (Float(width) - w), y: uY * (Float(height) - h), width: w, height: h)
    }

    /// Augments every image of a batch `[B, C, H, W]` in order (all channels of an image share one
    /// draw); returns a new batch `[B, C, H, W]`.
    public func augment(batch: Tensor, using generator: inout SeededGenerator) -> Tensor {
        precondition(batch.rank == 4, "PhotoAugmentation: batch shape \(batch.shape) is not [B, C, H, W]")
        return augment(batch: batch) { _ in draw(height: batch.shape[2], width: batch.shape[3], using: &generator) }
    }

    /// Augments every image of a batch `[B, C, H, W]`, image n drawing from `generators[n]`
    /// (B generators), so an image's draw does not depend on the others in the batch; returns a
    /// new batch `[B, C, H, W]`.
    public func augment(batch: Tensor, generators: [SeededGenerator]) -> Tensor {
        precondition(batch.rank == 4 && generators.count == batch.shape[0],
                     "PhotoAugmentation: \(generators.count) generators for batch shape \(batch.shape)")
        var generators = generators
        return augment(batch: batch) { n in draw(height: batch.shape[2], width: batch.shape[3], using: &generators[n]) }
    }

    /// Augments batch `[B, C, H, W]` with the draw `drawFor(n)` gives image n (called once per
    /// image, in order); returns a new batch `[B, C, H, W]`.
    private func augment(batch: Tensor, drawFor: (Int) -> Draw) -> Tensor {
        precondition(batch.rank == 4, "PhotoAugmentation: batch shape \(batch.shape) is not [B, C, H, W]")
        let (channels, height, width) = (batch.shape[1], batch.shape[2], batch.shape[3])
        let pixels = height * width
        var result = batch
        batch.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                for n in 0..<batch.shape[0] {
                    let d = drawFor(n)
                    if !d.flip && d.width == Float(width) && d.height == Float(height) { continue }
                    for c in 0..<channels {
                        let plane = (n * channels + c) * pixels
                        Self.resample(UnsafeBufferPointer(rebasing: source[plane..<(plane + pixels)]),
                                      into: UnsafeMutableBufferPointer(rebasing: destination[plane..<(plane + pixels)]),
                                      height: height, width: width, draw: d)
                    }
                }
            }
        }
        return result
    }

    /// The deterministic core: output pixel (x, y) of `output` `[height, width]` samples `input`
    /// `[height, width]` bilinearly at the point (x + 0.5, y + 0.5) maps to in the window (pixel
    /// centres to pixel centres, edges clamped), with x mirrored first when `draw.flip`.
    public static func resample(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                                height: Int, width: Int, draw: Draw) {
        precondition(input.count == height * width && output.count == height * width,
                     "PhotoAugmentation.resample: buffers of \(input.count) and \(output.count) for \(height)x\(width)")
        let sx = draw.width / Float(width), sy = draw.height / Float(height)
        for y in 0..<height {
            let fy = min(max(draw.y + (Float(y) + 0.5) * sy - 0.5, 0), Float(height - 1))
            let y0 = Int(fy), y1 = min(y0 + 1, height - 1), ay = fy - Float(y0)
            for x in 0..<width {
                let column = draw.flip ? width - 1 - x : x
                let fx = min(max(draw.x + (Float(column) + 0.5) * sx - 0.5, 0), Float(width - 1))
                let x0 = Int(fx), x1 = min(x0 + 1, width - 1), ax = fx - Float(x0)
                let top = input[y0 * width + x0] * (1 - ax) + input[y0 * width + x1] * ax
                let bottom = input[y1 * width + x0] * (1 - ax) + input[y1 * width + x1] * ax
                output[y * width + x] = top * (1 - ay) + bottom * ay
            }
        }
    }
}
