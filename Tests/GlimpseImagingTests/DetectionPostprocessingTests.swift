// DetectionPostprocessing: per-class NMS (not across classes), the strict score threshold, the
// IoU threshold at its edge, the per-image cap and the tie order; box voting.

import GlimpseImaging
import Testing

@Suite("Detection post-processing")
struct DetectionPostprocessingTests {
    static func box(_ x: Float, _ label: Int, _ score: Float, height: Float = 10) -> BoundingBox {
        BoundingBox(x0: x, y0: 0, x1: x + 10, y1: height, label: label, score: score)
    }

    @Test func nmsIsPerClass() {
        // The same box in two classes: both kept; an overlapping lower score in the same class: gone.
        let candidates = [Self.box(0, 1, 0.9), Self.box(0, 2, 0.8), Self.box(1, 1, 0.7)]
        let kept = DetectionPostprocessing.fastRCNN.select(candidates)
        #expect(kept == [candidates[0], candidates[1]])
    }

    @Test func iouEqualToTheThresholdIsKept() {
        // IoU of (0,0)-(10,10) with (0,0)-(10,3) is 30 / 100 = 0.3: kept (suppress only if greater).
        let candidates = [Self.box(0, 1, 0.9), Self.box(0, 1, 0.8, height: 3), Self.box(0, 1, 0.7, height: 3.5)]
        #expect(DetectionPostprocessing.fastRCNN.select(candidates) == [candidates[0], candidates[1]])
    }

    @Test func scoreThresholdIsStrict() {
        let candidates = [Self.box(0, 1, 0.05), Self.box(20, 1, 0.0501), Self.box(40, 3, 0.01)]
        #expect(DetectionPostprocessing.fastRCNN.select(candidates) == [candidates[1]])
        let all = DetectionPostprocessing(scoreThreshold: -.infinity).select(candidates)
        #expect(all.count == 3)
    }

    @Test func capIsOverAllClassesByScore() {
        let candidates = (0..<6).map { Self.box(Float($0) * 20, $0 % 3, Float($0) / 10 + 0.1) }
        let kept = DetectionPostprocessing(maxDetections: 4).select(candidates)
        #expect(kept == [5, 4, 3, 2].map { candidates[$0] })
        #expect(Set(kept.map(\.label)) == [0, 1, 2])
    }

    @Test func tiesByClassThenInputOrderAndTheCapIsExact() {
        let candidates = [Self.box(0, 2, 0.5), Self.box(20, 1, 0.5), Self.box(40, 2, 0.5), Self.box(60, 1, 0.5), Self.box(80, 0, 0.4)]
        let kept = DetectionPostprocessing(maxDetections: 3).select(candidates)
        #expect(kept == [candidates[1], candidates[3], candidates[0]])
        // The same result whatever order the classes are visited in (a dictionary inside).
        for _ in 0..<10 { #expect(DetectionPostprocessing(maxDetections: 3).select(candidates) == kept) }
        #expect(DetectionPostprocessing.fastRCNN.select([]).isEmpty)
    }

    @Test func boxVotingAveragesTheOverlappingBoxesOfTheClassByScore() {
        // Kept: A (0-10, 0.6). B (1-11, 0.3) overlaps it by 9/11 = 0.818 and is suppressed (NMS 0.3);
        // C (5-15, 0.1) overlaps it by 5/15 = 0.333; D (0-10, class 2) is another class.
        let a = Self.box(0, 1, 0.6), b = Self.box(1, 1, 0.3), c = Self.box(5, 1, 0.1), d = Self.box(0, 2, 0.9)
        let plain = DetectionPostprocessing.fastRCNN.select([a, b, c, d])
        #expect(plain == [d, a])
        // Voting at IoU 0.5: A and B vote, weights 0.6 and 0.3: x0 = (0 * 0.6 + 1 * 0.3) / 0.9.
        let voted = DetectionPostprocessing(votingThreshold: 0.5).select([a, b, c, d])
        #expect(voted.count == 2 && voted[0] == d)
        #expect(abs(voted[1].x0 - 1.0 / 3) < 1e-6 && abs(voted[1].x1 - 31.0 / 3) < 1e-6)
        #expect(voted[1].y0 == 0 && voted[1].y1 == 10 && voted[1].label == 1 && voted[1].score == 0.6)
        // At 0.3 C votes too: x0 = (0.3 + 0.5) / 1.0.
        let wider = DetectionPostprocessing(votingThreshold: 0.3).select([a, b, c, d])
        #expect(abs(wider[1].x0 - 0.8) < 1e-6 && abs(wider[1].x1 - 10.8) < 1e-6)
        // A candidate at or below the score threshold does not vote; a lone box votes for itself.
        let low = Self.box(1, 1, 0.04)
        #expect(DetectionPostprocessing(votingThreshold: 0.5).select([a, low]) == [a])
        #expect(DetectionPostprocessing(votingThreshold: 0.5).select([a]) == [a])
    }

    @Test func boxVotingWithZeroScoresLeavesTheBox() {
        // With no score threshold, boxes scoring <= 0 weigh nothing; when all do, the box stays.
        let a = Self.box(0, 1, 0), b = Self.box(1, 1, -1)
        let kept = DetectionPostprocessing(scoreThreshold: -.infinity, iouThreshold: 0.9, votingThreshold: 0.5).select([a, b])
        #expect(kept == [a, b])
    }
}
