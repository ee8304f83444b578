// Proposal metrics against values computed by hand.

import GlimpseImaging
import Testing
@testable import GlimpseEvaluation

@Suite struct ProposalMetricsTests {
    private func box(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ label: Int = 0) -> BoundingBox {
        BoundingBox(x0: x0, y0: y0, x1: x1, y1: y1, label: label)
    }

    @Test func iou() {
        // 10x10 boxes offset by 5 in x: intersection 50, union 150.
        #expect(abs(ProposalMetrics.iou(box(0, 0, 10, 10), box(5, 0, 15, 10)) - 1.0 / 3) < 1e-12)
        #expect(ProposalMetrics.iou(box(0, 0, 10, 10), box(10, 0, 20, 10)) == 0)
        #expect(ProposalMetrics.iou(box(2, 2, 6, 6), box(2, 2, 6, 6)) == 1)
    }

    /// Two images, three objects of two classes.
    ///
    /// Image 0: object A (class 1) = [0,0,10,10], object B (class 2) = [20,20,40,40].
    ///   proposals, best first: p0 = [0,0,10,8] (IoU with A 0.8), p1 = [20,20,40,30] (IoU with B 0.5),
    ///   p2 = [20,20,40,38] (IoU with B 0.9).
    /// Image 1: object C (class 1) = [0,0,10,10]; proposal q0 = [0,0,10,6] (IoU 0.6).
    ///
    /// cap 1: best overlaps A 0.8, B 0, C 0.6.
    ///   recall@0.5 = 2/3; recall@0.7 = 1/3; recalls at 0.50..0.95: 2/3 (0.50, 0.55, 0.60),
    ///   1/3 (0.65 .. 0.80), 0 (0.85 .. 0.95) -> AR = (3 * 2/3 + 4 * 1/3) / 10 = 1/3;
    ///   MABO = mean(class 1: (0.8 + 0.6)/2 = 0.7, class 2: 0) = 0.35.
    /// cap 3: A 0.8, B 0.9, C 0.6.
    ///   recall@0.5 = 1, recall@0.7 = 2/3; AR = (3 * 1 + 4 * 2/3 + 2 * 1/3 + 0) / 10 = 19/30
    ///   (0.85 and 0.90: only B; 0.95: none); MABO = mean(0.7, 0.9) = 0.8.
    @Test func goldenScores() {
        let gt = [[box(0, 0, 10, 10, 1), box(20, 20, 40, 40, 2)], [box(0, 0, 10, 10, 1)]]
        let proposals = [[box(0, 0, 10, 8), box(20, 20, 40, 30), box(20, 20, 40, 38)], [box(0, 0, 10, 6)]]
        let scores = ProposalMetrics.evaluate(groundTruth: gt, proposals: proposals, caps: [1, 3])
        let one = scores[0], three = scores[1]
        #expect(one.objects == 3 && one.meanProposals == 1 && three.meanProposals == 2)
        #expect(abs(one.recall50 - 2.0 / 3) < 1e-12 && abs(one.recall70 - 1.0 / 3) < 1e-12)
        #expect(abs(one.averageRecall - 1.0 / 3) < 1e-12)
        #expect(abs(one.mabo - 0.35) < 1e-9)
        #expect(three.recall50 == 1 && abs(three.recall70 - 2.0 / 3) < 1e-12)
        #expect(abs(three.averageRecall - 19.0 / 30) < 1e-12)
        #expect(abs(three.mabo - 0.8) < 1e-9)
    }
}
