// RegionWarp: R-CNN's input for one region proposal (Girshick et al. 2014, section 2.1 and
// appendix A, "warp" with context padding p = 16), as `rcnn_im_crop.m` computes it.
//
// The proposal is grown about its centre by S / (S - 2p), so that once the grown window is
// warped (anisotropically) to S x S the original proposal fills the middle S - 2p pixels and
// p pixels of context surround it. The grown window's edges are rounded to whole pixels and
// clipped to the image; the part inside the image is resized (the project's `resized`:
// bilinear when enlarging, area averaging when shrinking) to its share of the S x S output,
// at the offset where it belongs, and the part outside the image is the preprocessing mean,
// i.e. zero once the mean is subtracted. In Glimpse's continuous convention a box spans
// [x0, x1), so its centre is (x0 + x1) / 2 and its width x1 - x0.

import GlimpseTensor

/// Where a grown proposal's pixels come from in the image and go to in the S x S warp.
public struct WarpLayout: Sendable, Equatable {
    /// The grown window, rounded to whole pixels, before clipping: [x0, x1) x [y0, y1).
    public var grownX0: Int, grownY0: Int, grownX1: Int, grownY1: Int
    /// The window's part inside the image, [sourceX0, sourceX1) x [sourceY0, sourceY1); empty when
    /// the window misses the image.
    public var sourceX0: Int, sourceY0: Int, sourceX1: Int, sourceY1: Int
    /// Where that part lands in the output: its top-left corner and size in output pixels (size 0: nowhere).
    public var destinationX: Int, destinationY: Int, destinationWidth: Int, destinationHeight: Int
}

/// Warps region proposals to a CNN's square input with context padding.
public struct RegionWarp: Sendable, Equatable {
    /// The side S of the square output (the CNN's input size).
    public var outputSize: Int
    /// Pixels of context p around the proposal in the output (R-CNN: 16 of 227).
    public var contextPadding: Int

    /// Creates a warp to `outputSize` squared with `contextPadding` (needs 2 x padding < size).
    public init(outputSize: Int, contextPadding: Int = 16) {
        precondition(outputSize >= 1 && contextPadding >= 0 && 2 * contextPadding < outputSize,
                     "RegionWarp: padding \(contextPadding) does not fit an output of \(outputSize)")
        (self.outputSize, self.contextPadding) = (outputSize, contextPadding)
    }

    /// The layout of `box` in a `imageWidth` x `imageHeight` image.
    public func layout(for box: BoundingBox, imageWidth: Int, imageHeight: Int) -> WarpLayout {
        precondition(imageWidth > 0 && imageHeight > 0, "RegionWarp: empty image \(imageWidth)x\(imageHeight)")
        precondition([box.x0, box.y0, box.x1, box.y1].allSatisfy(\.isFinite), "RegionWarp: box \(box) is not finite")
        let s = Double(outputSize)
        let grow = s / (s - 2 * Double(contextPadding))
        /// One axis: grown edges, clipped edges, destination offset and length.
        func axis(_ lo: Float, _ hi: Float, limit: Int) -> (Int, Int, Int, Int, Int, Int) {
            let centre = (Double(lo) + Double(hi)) / 2, half = max(Double(hi) - Double(lo), 0) / 2 * grow
            let grown0 = Int((centre - half).rounded()), grown1 = max(Int((centre + half).rounded()), grown0 + 1)
            let clipped0 = min(max(grown0, 0), limit), clipped1 = min(max(grown1, 0), limit)
            let scale = s / Double(grown1 - grown0)
            // Clamped: a window wholly past the image's far edge would otherwise start outside the output.
            let offset = max(0, min(Int((Double(clipped0 - grown0) * scale).rounded()), outputSize))
            var length = clipped1 > clipped0 ? Int((Double(clipped1 - clipped0) * scale).rounded()) : 0
            length = max(0, min(length, outputSize - offset))
            return (grown0, grown1, clipped0, clipped1, offset, length)
        }
        let x = axis(box.x0, box.x1, limit: imageWidth), y = axis(box.y0, box.y1, limit: imageHeight)
        return WarpLayout(grownX0: x.0, grownY0: y.0, grownX1: x.1, grownY1: y.1,
                          sourceX0: x.2, sourceY0: y.2, sourceX1: x.3, sourceY1: y.3,
                          destinationX: x.4, destinationY: y.4, destinationWidth: x.5, destinationHeight: y.5)
    }

    /// The S x S warp of `box` in `image`, with `fill` (one value per image channel, e.g. the
    /// preprocessing mean rounded, in the image's channel order) where the window leaves the image.
    public func warp(_ image: Image, box: BoundingBox, fill: [UInt8]) -> Image {
        precondition(fill.count == image.channels, "RegionWarp: \(fill.count) fill values for \(image.channels) channels")
        let l = layout(for: box, imageWidth: image.width, imageHeight: image.height)
        var output = Image(width: outputSize, height: outputSize, fill: fill)
        guard l.destinationWidth > 0, l.destinationHeight > 0 else { return output }
        let c = image.channels
        let (cw, ch) = (l.sourceX1 - l.sourceX0, l.sourceY1 - l.sourceY0)
        var cropped = [UInt8](repeating: 0, count: cw * ch * c)
        let source = image.pixels
        for y in 0..<ch {
            let from = ((l.sourceY0 + y) * image.width + l.sourceX0) * c
            cropped.replaceSubrange(y * cw * c..<(y + 1) * cw * c, with: source[from..<from + cw * c])
        }
        let resized = Image(width: cw, height: ch, channels: c, pixels: cropped)
            .resized(width: l.destinationWidth, height: l.destinationHeight)
        var pixels = output.pixels
        let warped = resized.pixels
        for y in 0..<l.destinationHeight {
            let to = ((l.destinationY + y) * outputSize + l.destinationX) * c
            pixels.replaceSubrange(to..<to + l.destinationWidth * c,
                                   with: warped[y * l.destinationWidth * c..<(y + 1) * l.destinationWidth * c])
        }
        output = Image(width: outputSize, height: outputSize, channels: c, pixels: pixels)
        return output
    }

    /// The network input for `box` in `image`: the warp normalised by `preprocessing` (whose
    /// input size must be S), `[1, C, S, S]`, exactly 0 where the window leaves the image (the
    /// mean, subtracted).
    public func tensor(_ image: Image, box: BoundingBox, preprocessing: ImagePreprocessing) -> Tensor {
        precondition(preprocessing.inputSize == outputSize,
                     "RegionWarp: preprocessing input \(preprocessing.inputSize) is not the warp's \(outputSize)")
        let l = layout(for: box, imageWidth: image.width, imageHeight: image.height)
        let warped = warp(image, box: box, fill: [UInt8](repeating: 0, count: image.channels))
        var input = preprocessing.tensor(for: warped)
        let (s, channels) = (outputSize, input.shape[1])
        input.withUnsafeMutableBufferPointer { values in
            for c in 0..<channels {
                for y in 0..<s {
                    for x in 0..<s {
                        let inside = x >= l.destinationX && x < l.destinationX + l.destinationWidth
                            && y >= l.destinationY && y < l.destinationY + l.destinationHeight
                        if !inside { values[(c * s + y) * s + x] = 0 }
                    }
                }
            }
        }
        return input
    }
}
