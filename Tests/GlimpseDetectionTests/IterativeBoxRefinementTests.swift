// IterativeBoxRefinement: each round pools the surviving detections again and decodes them once
// more by their own class's deltas, their score the mean over the rounds; boxes pushed out of the
// image are clipped, and empty ones are not pooled again.

@testable import GlimpseDetection
import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Iterative box refinement")
struct IterativeBoxRefinementTests {
    /// Heads for 2 classes (slots 0 background, 1, 2) giving every RoI the same probabilities and
    /// slot 2's deltas `delta` (normalised), slot 1's zero; records the RoIs they were given.
    final class FakeHeads {
        var calls = [[Float]]()
        let probabilities: [Float], delta: BoxDeltas
        init(probabilities: [Float], delta: BoxDeltas) { (self.probabilities, self.delta) = (probabilities, delta) }
        func callAsFunction(_ rois: Tensor) -> (probabilities: Tensor, deltas: Tensor) {
            calls.append(rois.scalars)
            let r = rois.shape[0]
            let row = [Float](repeating: 0, count: 8) + [delta.dx, delta.dy, delta.dw, delta.dh]
            return (Tensor(shape: [r, 3], scalars: Array((0..<r).map { _ in probabilities }.joined())),
                    Tensor(shape: [r, 12], scalars: Array((0..<r).map { _ in row }.joined())))
        }
    }

    static let coder = BoxCoder(means: BoxDeltas(dx: 0, dy: 0, dw: 0, dh: 0), stds: BoxDeltas(dx: 0.1, dy: 0.1, dw: 0.2, dh: 0.2))
    static func rois(_ boxes: [BoundingBox]) -> Tensor {
        FastRCNNDetector.rois(boxes, imageWidth: 100, imageHeight: 100, inputSize: 100)
    }

    @Test func eachRoundDecodesByTheBoxsOwnClassAndAveragesTheScores() {
        // Class 1 (slot 2) moves right by 0.1 * 0.5 = 0.05 widths; class 0 (slot 1) stays.
        let heads = FakeHeads(probabilities: [0.1, 0.2, 0.7], delta: BoxDeltas(dx: 0.5, dy: 0, dw: 0, dh: 0))
        let candidates = [BoundingBox(x0: 10, y0: 10, x1: 30, y1: 30, label: 1, score: 0.9),
                          BoundingBox(x0: 50, y0: 50, x1: 70, y1: 60, label: 0, score: 0.4),
                          BoundingBox(x0: 0, y0: 0, x1: 20, y1: 20, label: 1, score: 0.05)]
        let once = IterativeBoxRefinement(rounds: 1, scoreThreshold: 0.05)
            .refine(candidates, imageWidth: 100, imageHeight: 100, coder: Self.coder, rois: Self.rois, heads: heads.callAsFunction)
        // The third (score not above 0.05) is dropped before the round and never pooled.
        #expect(once.count == 2 && heads.calls.count == 1 && heads.calls[0].count == 10)
        #expect(abs(once[0].x0 - 11) < 1e-4 && abs(once[0].x1 - 31) < 1e-4 && once[0].y0 == 10 && once[0].label == 1)
        #expect(abs(once[0].score! - (0.9 + 0.7) / 2) < 1e-6)
        #expect(once[1].x0 == 50 && once[1].x1 == 70 && once[1].label == 0 && abs(once[1].score! - (0.4 + 0.2) / 2) < 1e-6)
        // Two rounds: the second starts from the first's boxes; the score is the mean of three.
        let twice = IterativeBoxRefinement(rounds: 2, scoreThreshold: 0.05)
            .refine(candidates, imageWidth: 100, imageHeight: 100, coder: Self.coder, rois: Self.rois, heads: heads.callAsFunction)
        #expect(heads.calls.count == 3 && abs(heads.calls[2][1] - 11) < 1e-4 && abs(twice[0].x0 - 12) < 1e-4)
        #expect(abs(twice[0].score! - (0.9 + 0.7 + 0.7) / 3) < 1e-6)
        // No rounds: the candidates untouched, the heads not called.
        let none = IterativeBoxRefinement(rounds: 0, scoreThreshold: 0.05)
            .refine(candidates, imageWidth: 100, imageHeight: 100, coder: Self.coder, rois: Self.rois, heads: heads.callAsFunction)
        #expect(none == candidates && heads.calls.count == 3)
    }

    @Test func boxesMovedOutOfTheImageAreClippedAndEmptyOnesDropped() {
        // A large shift right: the box is clipped at the image's edge (x1 = 100); a box that
        // leaves nothing (clipped to zero width) is dropped in the next round, not pooled.
        let heads = FakeHeads(probabilities: [0, 0, 1], delta: BoxDeltas(dx: 100, dy: 0, dw: 0, dh: 0))
        let candidates = [BoundingBox(x0: 80, y0: 0, x1: 100, y1: 20, label: 1, score: 0.8)]
        let once = IterativeBoxRefinement(rounds: 1, scoreThreshold: 0.05)
            .refine(candidates, imageWidth: 100, imageHeight: 100, coder: Self.coder, rois: Self.rois, heads: heads.callAsFunction)
        #expect(once.count == 1 && once[0].x1 == 100 && once[0].width < 1)
        let twice = IterativeBoxRefinement(rounds: 2, scoreThreshold: 0.05)
            .refine(candidates, imageWidth: 100, imageHeight: 100, coder: Self.coder, rois: Self.rois, heads: heads.callAsFunction)
        #expect(twice.isEmpty)
    }
}
