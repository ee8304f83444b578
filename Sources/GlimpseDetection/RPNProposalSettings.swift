// RPNProposalSettings: from a region proposal network's outputs to an image's proposals, as
// py-faster-rcnn's `proposal_layer.py` (test settings) does it:
//   1. the `preNMS` anchors of highest objectness (6000), selected without sorting them all (TopScores);
//   2. each decoded by its deltas (raw targets: the RPN's are not normalised, `BoxCoder.raw`,
//      dw and dh clamped at log(1000 / 16)), mapped from the network input to the image and
//      clipped to it;
//   3. boxes with a side under `minSize` image pixels dropped (py-faster-rcnn: 16 px x the image
//      scale, sized for VOC's objects; the scenes' digits are 5-45 px, so 2 px here: it drops
//      only slivers left by clipping, and everything on a 1x1 image);
//   4. greedy NMS at IoU 0.7 (`NonMaximumSuppression`, whose fast path skips its sort since the
//      boxes come in objectness order), keeping the first `maxProposals` (300).
// Objectness orders the boxes (ties by anchor index); the proposals carry no score, as the
// `RegionProposer` contract reserves it for rank-like priorities.

import GlimpseImaging
import GlimpseStages
import GlimpseTensor

/// The test-time selection of a region proposal network's boxes.
public struct RPNProposalSettings: Sendable, Equatable {
    /// Anchors decoded per image: the highest objectness first.
    public var preNMS: Int
    /// NMS suppresses IoU above this.
    public var nmsThreshold: Double
    /// Proposals kept per image after NMS.
    public var maxProposals: Int
    /// Smallest width and height, in image pixels, of a kept box.
    public var minSize: Float

    /// Creates the settings (py-faster-rcnn's test values, 2 px minimum, 300 kept, by default).
    public init(preNMS: Int = 6000, nmsThreshold: Double = 0.7, maxProposals: Int = 300, minSize: Float = 2) {
        precondition(preNMS >= 1 && maxProposals >= 1 && (0...1).contains(nmsThreshold) && minSize >= 0 && minSize.isFinite,
                     "RPNProposalSettings: preNMS \(preNMS), NMS \(nmsThreshold), max \(maxProposals), min size \(minSize)")
        (self.preNMS, self.nmsThreshold, self.maxProposals, self.minSize) = (preNMS, nmsThreshold, maxProposals, minSize)
    }

    /// The proposals of one image, best first, in image pixels. `logits` `[1, A, h, w]` and
    /// `deltas` `[1, 4A, h, w]` are the network's outputs; `anchors` the grid's boxes of that map
    /// on the `inputSize` input (index (y * w + x) * A + a); the image is `imageWidth` x `imageHeight`.
    public func proposals(logits: Tensor, deltas: Tensor, anchors: [BoundingBox], inputSize: Int,
                          imageWidth: Int, imageHeight: Int) -> [BoundingBox] {
        precondition(logits.rank == 4 && logits.shape[0] == 1, "RPNProposalSettings: logits \(logits.shape), expected [1, A, h, w]")
        let (a, h, w) = (logits.shape[1], logits.shape[2], logits.shape[3])
        precondition(deltas.shape == [1, 4 * a, h, w], "RPNProposalSettings: deltas \(deltas.shape), expected [1, \(4 * a), \(h), \(w)]")
        precondition(anchors.count == a * h * w, "RPNProposalSettings: \(anchors.count) anchors for a \(h)x\(w) map of \(a)")
        precondition(imageWidth >= 1 && imageHeight >= 1, "RPNProposalSettings: image \(imageWidth)x\(imageHeight)")
        let plane = h * w
        let d = deltas.scalars
        // Anchor k = (y * w + x) * A + a reads channel a at cell y * w + x (a transpose through
        // raw pointers: for the tiny trunk's 15,360 anchors the checked loop was a tenth of the proposer).
        var sawNaN = false
        let scores = [Float](unsafeUninitializedCapacity: a * plane) { out, initialized in
            logits.withUnsafeBufferPointer { z in
                for anchor in 0..<a {
                    let channel = z.baseAddress! + anchor * plane
                    for cell in 0..<plane {
                        let value = channel[cell]
                        sawNaN = sawNaN || value.isNaN
                        out[cell * a + anchor] = value
                    }
                }
            }
            initialized = a * plane
        }
        precondition(!sawNaN, "RPNProposalSettings: a NaN objectness logit")
        let order = TopScores.indices(of: scores, count: preNMS)
        let (sx, sy) = (Float(imageWidth) / Float(inputSize), Float(imageHeight) / Float(inputSize))
        let coder = BoxCoder.raw
        var boxes = [BoundingBox](), kept = [Float]()
        boxes.reserveCapacity(order.count)
        kept.reserveCapacity(order.count)
        for k in order {
            let (cell, anchor) = (k / a, k % a)
            let base = 4 * anchor * plane + cell
            let decoded = coder.decode(BoxDeltas(dx: d[base], dy: d[base + plane], dw: d[base + 2 * plane], dh: d[base + 3 * plane]),
                                       relativeTo: anchors[k])
            let box = BoundingBox(x0: decoded.x0 * sx, y0: decoded.y0 * sy, x1: decoded.x1 * sx, y1: decoded.y1 * sy)
                .clipped(width: imageWidth, height: imageHeight)
            guard box.width >= minSize, box.height >= minSize, box.width > 0, box.height > 0 else { continue }
            boxes.append(box)
            kept.append(scores[k])
        }
        let survivors = NonMaximumSuppression.keep(boxes, scores: kept, iouThreshold: nmsThreshold, maxKept: maxProposals)
        return survivors.map { boxes[$0] }
    }
}
