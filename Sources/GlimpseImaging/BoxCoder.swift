// BoxCoder: the bounding-box regression targets of R-CNN (Girshick et al. 2014, appendix C)
// and Fast R-CNN, and their inverse.
//
// A proposal P and its ground-truth box G, both by centre (x, y), width w and height h:
//   dx = (Gx - Px) / Pw,  dy = (Gy - Py) / Ph,  dw = log(Gw / Pw),  dh = log(Gh / Ph)
// then normalised (t - mean) / std, Fast R-CNN's means (0, 0, 0, 0) and stds (0.1, 0.1, 0.2, 0.2)
// (py-faster-rcnn `BBOX_NORMALIZE_*`; torchvision's weights (10, 10, 5, 5) are the same thing).
// Decoding undoes the normalisation, clamps dw and dh at log(1000 / 16) as torchvision does (so
// an untrained regressor cannot overflow exp), and can clip the box to the image.
//
// Pixel convention: Glimpse's own, `BoxConvention.continuous`. A box spans [x0, x1) x [y0, y1)
// of the continuous plane, so w = x1 - x0 and the centre is x0 + w / 2 (torchvision's "no +1").
// py-faster-rcnn uses w = x2 - x1 + 1 on inclusive boxes; with Glimpse's exclusive x1 = x2 + 1
// both give the same w and the same centre x1 + w / 2, so the targets agree (and a decoded box's
// exclusive x1 is py-faster-rcnn's inclusive x2 + 1).

import Foundation

/// One box's regression target or prediction, normalised or raw as the coder says.
public struct BoxDeltas: Sendable, Equatable {
    /// Centre shift along x, in proposal widths.
    public var dx: Float
    /// Centre shift along y, in proposal heights.
    public var dy: Float
    /// Log of the width ratio.
    public var dw: Float
    /// Log of the height ratio.
    public var dh: Float

    /// Creates deltas from their four values.
    public init(dx: Float, dy: Float, dw: Float, dh: Float) {
        (self.dx, self.dy, self.dw, self.dh) = (dx, dy, dw, dh)
    }

    /// The four values in order (dx, dy, dw, dh): a row of a `[R, 4]` target tensor.
    public var values: [Float] { [dx, dy, dw, dh] }
}

/// Encodes ground-truth boxes relative to proposals and decodes predictions back to boxes.
public struct BoxCoder: Sendable, Equatable {
    /// Subtracted from the raw (dx, dy, dw, dh) when encoding.
    public var means: BoxDeltas
    /// Divides the raw (dx, dy, dw, dh) after subtracting `means`.
    public var stds: BoxDeltas
    /// Decoded dw and dh are clamped to at most this (log(1000 / 16), torchvision's `bbox_xform_clip`).
    public var maximumLogScale: Float

    /// Fast R-CNN's normalisation: means (0, 0, 0, 0), stds (0.1, 0.1, 0.2, 0.2).
    public static let fastRCNN = BoxCoder(means: BoxDeltas(dx: 0, dy: 0, dw: 0, dh: 0),
                                          stds: BoxDeltas(dx: 0.1, dy: 0.1, dw: 0.2, dh: 0.2))
    /// R-CNN's raw targets (the ridge regressor of appendix C sees them unnormalised).
    public static let raw = BoxCoder(means: BoxDeltas(dx: 0, dy: 0, dw: 0, dh: 0),
                                     stds: BoxDeltas(dx: 1, dy: 1, dw: 1, dh: 1))

    /// Creates a coder with the given normalisation; every std must be positive.
    public init(means: BoxDeltas, stds: BoxDeltas, maximumLogScale: Float = Float(log(1000.0 / 16.0))) {
        precondition(stds.values.allSatisfy { $0 > 0 && $0.isFinite }, "BoxCoder: stds \(stds.values) must be positive")
        precondition(means.values.allSatisfy(\.isFinite), "BoxCoder: means \(means.values) must be finite")
        (self.means, self.stds, self.maximumLogScale) = (means, stds, maximumLogScale)
    }

    /// The normalised target that moves `proposal` onto `groundTruth`; both need a positive width and height.
    public func encode(_ groundTruth: BoundingBox, relativeTo proposal: BoundingBox) -> BoxDeltas {
        precondition(proposal.x1 > proposal.x0 && proposal.y1 > proposal.y0, "BoxCoder.encode: proposal \(proposal) has no area")
        precondition(groundTruth.x1 > groundTruth.x0 && groundTruth.y1 > groundTruth.y0,
                     "BoxCoder.encode: ground truth \(groundTruth) has no area")
        // Double, so that encode-decode is exact to Float precision even for large images.
        let pw = Double(proposal.x1) - Double(proposal.x0), ph = Double(proposal.y1) - Double(proposal.y0)
        let px = Double(proposal.x0) + 0.5 * pw, py = Double(proposal.y0) + 0.5 * ph
        let gw = Double(groundTruth.x1) - Double(groundTruth.x0), gh = Double(groundTruth.y1) - Double(groundTruth.y0)
        let gx = Double(groundTruth.x0) + 0.5 * gw, gy = Double(groundTruth.y0) + 0.5 * gh
        let raw = [(gx - px) / pw, (gy - py) / ph, log(gw / pw), log(gh / ph)]
        let (m, s) = (means.values, stds.values)
        let t = (0..<4).map { Float((raw[$0] - Double(m[$0])) / Double(s[$0])) }
        return BoxDeltas(dx: t[0], dy: t[1], dw: t[2], dh: t[3])
    }

    /// The box a normalised prediction `deltas` makes of `proposal` (which needs a positive width
    /// and height), with dw and dh clamped at `maximumLogScale`; not clipped. Keeps the
    /// proposal's label and score.
    public func decode(_ deltas: BoxDeltas, relativeTo proposal: BoundingBox) -> BoundingBox {
        precondition(proposal.x1 > proposal.x0 && proposal.y1 > proposal.y0, "BoxCoder.decode: proposal \(proposal) has no area")
        let (m, s) = (means.values, stds.values)
        let t = deltas.values
        let raw = (0..<4).map { Double(t[$0]) * Double(s[$0]) + Double(m[$0]) }
        let limit = Double(maximumLogScale)
        let pw = Double(proposal.x1) - Double(proposal.x0), ph = Double(proposal.y1) - Double(proposal.y0)
        let px = Double(proposal.x0) + 0.5 * pw, py = Double(proposal.y0) + 0.5 * ph
        let cx = px + raw[0] * pw, cy = py + raw[1] * ph
        let w = pw * exp(min(raw[2], limit)), h = ph * exp(min(raw[3], limit))
        var box = proposal
        (box.x0, box.x1) = (Float(cx - 0.5 * w), Float(cx + 0.5 * w))
        (box.y0, box.y1) = (Float(cy - 0.5 * h), Float(cy + 0.5 * h))
        return box
    }

    /// `decode(_:relativeTo:)` clipped to a `width` x `height` image (edges into [0, width] and [0, height]).
    public func decode(_ deltas: BoxDeltas, relativeTo proposal: BoundingBox, imageWidth: Int, imageHeight: Int) -> BoundingBox {
        precondition(imageWidth > 0 && imageHeight > 0, "BoxCoder.decode: image \(imageWidth)x\(imageHeight) is empty")
        return decode(deltas, relativeTo: proposal).clipped(width: imageWidth, height: imageHeight)
    }
}
