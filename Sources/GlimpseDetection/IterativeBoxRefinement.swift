// IterativeBoxRefinement: iterative localisation at test time (S. Gidaris, N. Komodakis, "Object
// detection via a multi-region & semantic segmentation-aware CNN model", ICCV 2015, section 5;
// also the "iterative bbox" baseline of Cai & Vasconcelos, "Cascade R-CNN", CVPR 2018). A Fast
// R-CNN head trained on proposals regresses each box once; its output boxes sit closer to the
// objects than the proposals did, so pooling them again and regressing a second time tightens
// them further. Each round:
//   1. the candidates scoring above the post-processing's threshold (the others would be
//      dropped anyway) are pooled again from the same feature map, at their decoded boxes;
//   2. each is decoded once more by its own class's deltas from that pass;
//   3. its score becomes the mean of its scores over the rounds so far (Gidaris and Komodakis
//      average the scores of the iterations).
// The trunk is not run again: a round costs one more RoI pooling and head pass over the boxes
// that survive the threshold (tens per image), not over the proposals (hundreds).

import GlimpseImaging
import GlimpseTensor

/// Test-time iterative box regression with a Fast R-CNN head.
struct IterativeBoxRefinement {
    /// Rounds after the first regression (0: none).
    let rounds: Int
    /// Candidates at or below this score are dropped before a round.
    let scoreThreshold: Float

    /// `candidates` (each with a label indexing the object classes, slot label + 1, and a score)
    /// refined `rounds` times with `heads` (RoIs `[R, 5]` -> probabilities `[R, S]`, deltas
    /// `[R, 4S]`) on the boxes' RoIs made by `rois`, decoded by `coder` and clipped to the image.
    func refine(_ candidates: [BoundingBox], imageWidth: Int, imageHeight: Int, coder: BoxCoder,
                rois: ([BoundingBox]) -> Tensor, heads: (Tensor) -> (probabilities: Tensor, deltas: Tensor)) -> [BoundingBox] {
        guard rounds > 0 else { return candidates }
        var boxes = candidates
        for round in 1...rounds {
            boxes = boxes.filter { ($0.score ?? -.infinity) > scoreThreshold && $0.width >= 1 && $0.height >= 1 }
            guard !boxes.isEmpty else { return [] }
            let (probabilities, deltas) = heads(rois(boxes))
            let slots = probabilities.shape[1]
            precondition(probabilities.shape == [boxes.count, slots] && deltas.shape == [boxes.count, 4 * slots],
                         "IterativeBoxRefinement: heads gave \(probabilities.shape) and \(deltas.shape) for \(boxes.count) boxes")
            let (p, d) = (probabilities.scalars, deltas.scalars)
            for row in boxes.indices {
                let slot = boxes[row].label + 1
                precondition(slot >= 1 && slot < slots, "IterativeBoxRefinement: label \(boxes[row].label) outside the \(slots - 1) classes")
                let base = (row * slots + slot) * 4
                var box = coder.decode(BoxDeltas(dx: d[base], dy: d[base + 1], dw: d[base + 2], dh: d[base + 3]),
                                       relativeTo: boxes[row], imageWidth: imageWidth, imageHeight: imageHeight)
                box.label = boxes[row].label
                // The running mean of the rounds' scores: round r adds the (r + 1)-th score.
                box.score = (boxes[row].score! * Float(round) + p[row * slots + slot]) / Float(round + 1)
                boxes[row] = box
            }
        }
        return boxes
    }
}
