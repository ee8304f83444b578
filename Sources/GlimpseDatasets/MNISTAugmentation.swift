// MNISTAugmentation: seeded random shifts and small rotations of single-channel images.
//
// The classic distortions for digit recognition (Simard, Steinkraus & Platt 2003, "Best
// practices for convolutional neural networks applied to visual document analysis" use affine
// ones): shift by a few whole pixels and rotate by a few degrees around the image centre,
// sampling bilinearly with zero (background) outside the image.
//
// Every image draws exactly `randomValuesPerImage` uniforms from the generator, whether or not a
// transform is switched on and whatever values come out, so the generator's stream stays in step
// with the data order and a run can be resumed from a saved generator state.

import Foundation
import GlimpseTensor

/// Random shift and rotation of `[H, W]` images, reproducible from a `SeededGenerator`.
public struct MNISTAugmentation: Sendable, Equatable {
    /// The largest shift in pixels, in each of x and y (shifts are uniform in -maxShift...maxShift).
    public var maxShift: Int
    /// The largest rotation in degrees (angles are uniform in -maxRotationDegrees..<maxRotationDegrees).
    public var maxRotationDegrees: Float
    /// Whether images are shifted.
    public var shiftEnabled: Bool
    /// Whether images are rotated.
    public var rotationEnabled: Bool

    /// Uniforms drawn per image: shift x, shift y, angle (drawn even when a transform is off).
    public static let randomValuesPerImage = 3

    /// Creates an augmentation; the defaults are ±2 px shifts and ±10 degree rotations.
    public init(maxShift: Int = 2, maxRotationDegrees: Float = 10, shiftEnabled: Bool = true, rotationEnabled: Bool = true) {
        precondition(maxShift >= 0, "MNISTAugmentation: negative maxShift \(maxShift)")
        precondition(maxRotationDegrees >= 0, "MNISTAugmentation: negative maxRotationDegrees \(maxRotationDegrees)")
        self.maxShift = maxShift
        self.maxRotationDegrees = maxRotationDegrees
        self.shiftEnabled = shiftEnabled
        self.rotationEnabled = rotationEnabled
    }

    /// The augmentation that changes nothing (both transforms off).
    public static let identity = MNISTAugmentation(shiftEnabled: false, rotationEnabled: false)

    /// The transform parameters for the next image: draws exactly `randomValuesPerImage` values.
    public func drawParameters(using generator: inout SeededGenerator) -> (shiftX: Int, shiftY: Int, degrees: Float) {
        let u1 = generator.nextUniform()
        let u2 = generator.nextUniform()
        let u3 = generator.nextUniform()
        let span = 2 * maxShift + 1
        let shiftX = shiftEnabled ? min(Int(u1 * Float(span)), span - 1) - maxShift : 0
        let shiftY = shiftEnabled ? min(Int(u2 * Float(span)), span - 1) - maxShift : 0
        let degrees = rotationEnabled ? (2 * u3 - 1) * maxRotationDegrees : 0
        return (shiftX, shiftY, degrees)
    }

    /// Augments one image `[height, width]` from `input` into `output` (same size, not overlapping).
    public func augment(
        _ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
        height: Int = 28, width: Int = 28, using generator: inout SeededGenerator
    ) {
        let p = drawParameters(using: &generator)
        Self.transform(input, into: output, height: height, width: width,
                       shiftX: p.shiftX, shiftY: p.shiftY, degrees: p.degrees)
    }

    /// Augments every image of a batch `[B, C, H, W]`, in order, drawing one shift and rotation
    /// per image from one generator (all channels of an image move together); returns a new
    /// batch `[B, C, H, W]`.
    public func augment(batch: Tensor, using generator: inout SeededGenerator) -> Tensor {
        augment(batch: batch) { _ in drawParameters(using: &generator) }
    }

    /// Augments every image of a batch `[B, C, H, W]`, image n drawing its shift and rotation from
    /// `generators[n]` (B generators), so an image's draw does not depend on the others in the
    /// batch; returns a new batch `[B, C, H, W]`.
    public func augment(batch: Tensor, generators: [SeededGenerator]) -> Tensor {
        precondition(batch.rank == 4 && generators.count == batch.shape[0],
                     "MNISTAugmentation: \(generators.count) generators for batch shape \(batch.shape)")
        var generators = generators
        return augment(batch: batch) { n in drawParameters(using: &generators[n]) }
    }

    /// Augments batch `[B, C, H, W]` with the parameters `parameters(n)` gives image n (called once
    /// per image, in order); returns a new batch `[B, C, H, W]`.
    private func augment(batch: Tensor, parameters: (Int) -> (shiftX: Int, shiftY: Int, degrees: Float)) -> Tensor {
        precondition(batch.rank == 4, "MNISTAugmentation: batch shape \(batch.shape) is not [B, C, H, W]")
        let (channels, height, width) = (batch.shape[1], batch.shape[2], batch.shape[3])
        let pixels = height * width
        var result = Tensor(zeros: batch.shape)
        batch.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { destination in
                for n in 0..<batch.shape[0] {
                    let p = parameters(n)
                    for c in 0..<channels {
                        let plane = (n * channels + c) * pixels
                        let input = UnsafeBufferPointer(rebasing: source[plane..<(plane + pixels)])
                        let output = UnsafeMutableBufferPointer(rebasing: destination[plane..<(plane + pixels)])
                        Self.transform(input, into: output, height: height, width: width,
                                       shiftX: p.shiftX, shiftY: p.shiftY, degrees: p.degrees)
                    }
                }
            }
        }
        return result
    }

    /// The deterministic core: rotates `input` `[height, width]` by `degrees` about its centre
    /// ((width - 1) / 2, (height - 1) / 2), then shifts it by (`shiftX`, `shiftY`) whole pixels,
    /// writing `output` `[height, width]`.
    ///
    /// Positive `shiftX` moves content right, positive `shiftY` down; positive `degrees` turns the
    /// image counter-clockwise as displayed (row 0 at the top), so 90 degrees equals numpy's
    /// `rot90`: `output[y][x] = input[x][width - 1 - y]` for square images. Each output pixel
    /// samples the input bilinearly at the inverse-mapped point, reading zero outside the image.
    public static func transform(
        _ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
        height: Int, width: Int, shiftX: Int, shiftY: Int, degrees: Float
    ) {
        precondition(input.count == height * width && output.count == height * width,
                     "MNISTAugmentation.transform: buffers of \(input.count) and \(output.count) for \(height)x\(width)")
        let src = input.baseAddress!
        let dst = output.baseAddress!

        if degrees == 0 {
            // Whole-pixel shift: an exact copy of the overlapping rows, zeros elsewhere.
            for y in 0..<height {
                let sy = y - shiftY
                let row = dst + y * width
                guard sy >= 0 && sy < height else {
                    row.update(repeating: 0, count: width)
                    continue
                }
                for x in 0..<width {
                    let sx = x - shiftX
                    row[x] = (sx >= 0 && sx < width) ? src[sy * width + sx] : 0
                }
            }
            return
        }

        let radians = Double(degrees) * Double.pi / 180
        let cosine = Float(cos(radians))
        let sine = Float(sin(radians))
        let cx = Float(width - 1) / 2
        let cy = Float(height - 1) / 2
        for y in 0..<height {
            // Undo the shift, then the rotation: source = R^-1 (p - shift - c) + c.
            let qy = Float(y - shiftY) - cy
            for x in 0..<width {
                let qx = Float(x - shiftX) - cx
                let sx = qx * cosine - qy * sine + cx
                let sy = qx * sine + qy * cosine + cy
                dst[y * width + x] = bilinear(src, height: height, width: width, x: sx, y: sy)
            }
        }
    }

    /// The input sampled at (x, y) with bilinear weights, zero outside the image.
    @inline(__always)
    private static func bilinear(_ src: UnsafePointer<Float>, height: Int, width: Int, x: Float, y: Float) -> Float {
        let fx = x.rounded(.down)
        let fy = y.rounded(.down)
        // Points more than a pixel outside contribute nothing (also keeps Int conversion safe).
        guard fx >= -1 && fx < Float(width) && fy >= -1 && fy < Float(height) else { return 0 }
        let x0 = Int(fx), y0 = Int(fy)
        let ax = x - fx, ay = y - fy
        @inline(__always) func pixel(_ px: Int, _ py: Int) -> Float {
            (px >= 0 && px < width && py >= 0 && py < height) ? src[py * width + px] : 0
        }
        let top = pixel(x0, y0) * (1 - ax) + pixel(x0 + 1, y0) * ax
        let bottom = pixel(x0, y0 + 1) * (1 - ax) + pixel(x0 + 1, y0 + 1) * ax
        return top * (1 - ay) + bottom * ay
    }
}
