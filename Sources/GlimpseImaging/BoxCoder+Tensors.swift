// BoxCoder+Tensors: between a Fast R-CNN head's class-specific outputs and boxes.
//
// The head scores S class slots per RoI (slot 0 background, as in Fast R-CNN) and regresses
// four values per slot, `[R, 4S]`, slot s in columns 4s..<4s+4 (py-faster-rcnn's layout).
// Training: each foreground RoI's target goes into its true class's four columns with weight
// 1, everything else has weight 0 (`_get_bbox_regression_labels`). Test time: every non-
// background slot of every RoI becomes a candidate box, decoded from that slot's deltas,
// clipped to the image and scored with that slot's probability (`im_detect`), ready for
// `DetectionPostprocessing`.

import GlimpseTensor

extension BoxCoder {
    /// Regression targets `[R, 4S]` and weights `[R, 4S]` for sampled regions (R = regions.count):
    /// a foreground region's normalised target, relative to its box, in the four columns of
    /// `slot(label)`, weights 1 there and 0 elsewhere; background rows all 0.
    /// `groundTruth` is what the regions were matched against; `slot` maps a class label to its
    /// slot in 1..<slots (0 is background).
    public func regressionTargets(for regions: [SampledRegion], groundTruth: [BoundingBox], slots: Int,
                                  slot: (Int) -> Int) -> (targets: Tensor, weights: Tensor) {
        precondition(slots >= 2, "BoxCoder.regressionTargets: \(slots) slots leave no object class")
        var targets = [Float](repeating: 0, count: regions.count * 4 * slots)
        var weights = targets
        for (row, region) in regions.enumerated() {
            guard let label = region.label else { continue }
            guard let truth = region.match.groundTruthIndex, groundTruth.indices.contains(truth) else {
                preconditionFailure("BoxCoder.regressionTargets: foreground region \(row) has no ground-truth box")
            }
            let s = slot(label)
            precondition(s >= 1 && s < slots, "BoxCoder.regressionTargets: label \(label) maps to slot \(s), not in 1..<\(slots)")
            let t = encode(groundTruth[truth], relativeTo: region.box).values
            for k in 0..<4 {
                targets[(row * slots + s) * 4 + k] = t[k]
                weights[(row * slots + s) * 4 + k] = 1
            }
        }
        return (Tensor(shape: [regions.count, 4 * slots], scalars: targets), Tensor(shape: [regions.count, 4 * slots], scalars: weights))
    }

    /// Every object slot of every RoI as a candidate detection: `proposals` (R boxes, each with a
    /// positive width and height), `probabilities` `[R, S]` (slot 0 background), `deltas` `[R, 4S]`
    /// (normalised). Candidate (r, s) for s in 1..<S is `proposals[r]` decoded by slot s's deltas,
    /// clipped to the image, labelled `labels[s - 1]` and scored `probabilities[r, s]`; row by row,
    /// slot by slot.
    public func candidates(proposals: [BoundingBox], probabilities: Tensor, deltas: Tensor, labels: [Int],
                           imageWidth: Int, imageHeight: Int) -> [BoundingBox] {
        let (r, s) = (proposals.count, labels.count + 1)
        precondition(probabilities.shape == [r, s], "BoxCoder.candidates: probabilities \(probabilities.shape), expected [\(r), \(s)]")
        precondition(deltas.shape == [r, 4 * s], "BoxCoder.candidates: deltas \(deltas.shape), expected [\(r), \(4 * s)]")
        let p = probabilities.scalars, d = deltas.scalars
        var boxes = [BoundingBox]()
        boxes.reserveCapacity(r * (s - 1))
        for row in 0..<r {
            for slot in 1..<s {
                let base = (row * s + slot) * 4
                var box = decode(BoxDeltas(dx: d[base], dy: d[base + 1], dw: d[base + 2], dh: d[base + 3]),
                                 relativeTo: proposals[row], imageWidth: imageWidth, imageHeight: imageHeight)
                box.label = labels[slot - 1]
                box.score = p[row * s + slot]
                boxes.append(box)
            }
        }
        return boxes
    }
}
