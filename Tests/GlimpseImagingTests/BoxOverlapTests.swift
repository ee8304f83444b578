// IoU in both box conventions and greedy NMS with torchvision's semantics, on boxes whose
// answers are worked out by hand in the comments.

import GlimpseImaging
import Testing

private func box(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, score: Float? = nil) -> BoundingBox {
    BoundingBox(x0: x0, y0: y0, x1: x1, y1: y1, score: score)
}

@Suite struct BoxOverlapTests {
    @Test func iouInTheContinuousConvention() {
        // [0,10)x[0,10) and [5,15)x[0,10): intersection 5 x 10 = 50, union 100 + 100 - 50 = 150.
        #expect(box(0, 0, 10, 10).iou(box(5, 0, 15, 10)) == 50.0 / 150.0)
        // Sharing only an edge: intersection 0 x 10.
        #expect(box(0, 0, 10, 10).iou(box(10, 0, 20, 10)) == 0)
        #expect(box(2, 2, 6, 6).iou(box(2, 2, 6, 6)) == 1)
        // A box with no area overlaps nothing, not even itself.
        #expect(box(3, 3, 3, 3).iou(box(3, 3, 3, 3)) == 0)
        // [2,4)x[2,4) inside [0,10)x[0,10): 4 / 100.
        #expect(box(2, 2, 4, 4).iou(box(0, 0, 10, 10)) == 0.04)
    }

    @Test func iouInThePixelInclusiveConvention() {
        // Columns 0...10 and 5...15, rows 0...10: intersection 6 x 11 = 66, each box 11 x 11 = 121,
        // union 242 - 66 = 176, IoU 66 / 176 = 0.375 (py-faster-rcnn's voc_eval gives the same).
        #expect(box(0, 0, 10, 10).iou(box(5, 0, 15, 10), convention: .pixelInclusive) == 0.375)
        // Sharing column 10: intersection 1 x 11 = 11, union 242 - 11 = 231, IoU 1/21.
        #expect(box(0, 0, 10, 10).iou(box(10, 0, 20, 10), convention: .pixelInclusive) == 11.0 / 231.0)
        // One pixel (3, 3) is a 1 x 1 box: IoU 1 with itself.
        #expect(box(3, 3, 3, 3).iou(box(3, 3, 3, 3), convention: .pixelInclusive) == 1)
    }

    @Test func nmsKeepsByScoreAndSuppressesAboveTheThreshold() {
        let boxes = [
            box(0, 0, 10, 10, score: 0.9),    // 0: IoU with 3 is 50/150 = 0.333 -> kept
            box(1, 0, 11, 10, score: 0.8),    // 1: IoU with 0 is 90/110 = 0.818 -> suppressed by 0
            box(20, 20, 30, 30, score: 0.7),  // 2: far from all -> kept
            box(5, 0, 15, 10, score: 0.95),   // 3: highest score -> kept first
            box(20, 20, 30, 30, score: 0.7),  // 4: same score as 2, later index -> after 2, IoU 1 -> suppressed
        ]
        #expect(NonMaximumSuppression.keep(boxes, iouThreshold: 0.5) == [3, 0, 2])
        // Explicit scores override the boxes' own: box 1 first now, and it suppresses box 0
        // (IoU 0.818); box 3 against box 1: intersection 6 x 10 = 60, union 140, 0.43 -> kept.
        #expect(NonMaximumSuppression.keep(boxes, scores: [0.1, 0.99, 0.5, 0.2, 0.3], iouThreshold: 0.5) == [1, 2, 3])
        #expect(NonMaximumSuppression.keep([], scores: [], iouThreshold: 0.5).isEmpty)
    }

    @Test func nmsKeepsAnIoUEqualToTheThresholdAndHonoursTheConvention() {
        let pair = [box(0, 0, 10, 10, score: 1), box(5, 0, 15, 10, score: 0.5)]
        // Continuous IoU is exactly 1/3: not greater than a threshold of 1/3, so both stay.
        #expect(NonMaximumSuppression.keep(pair, iouThreshold: 1.0 / 3.0) == [0, 1])
        // At 0.35 the continuous IoU (0.333) keeps both; the pixel-inclusive one (0.375) does not.
        #expect(NonMaximumSuppression.keep(pair, iouThreshold: 0.35) == [0, 1])
        #expect(NonMaximumSuppression.keep(pair, iouThreshold: 0.35, convention: .pixelInclusive) == [0])
    }

    @Test(arguments: [0.0, 0.3, 0.7, 1.0 / 3.0, -0.1])
    func theFastNMSKeepsWhatTheNaiveOneKeeps(threshold: Double) {
        // Random boxes on a small grid (so many overlap, some coincide, some are degenerate) with
        // scores drawn from a few values (so ties are common), in and out of score order.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(threshold * 1000))
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<20 {
            let count = [0, 1, 2, 50, 400][round % 5]
            let boxes = (0..<count).map { _ -> BoundingBox in
                let (x, y) = (Float(next(60)), Float(next(60)))
                return box(x, y, x + Float(next(30)), y + Float(next(30)))
            }
            var scores = boxes.indices.map { _ in Float(next(8)) / 8 }
            if round % 2 == 1 { scores.sort(by: >) }
            for convention in [BoxConvention.continuous, .pixelInclusive] {
                for cap in [Int.max, 0, 1, 7] {
                    let naive = NonMaximumSuppression.keepNaive(boxes, scores: scores, iouThreshold: threshold, convention: convention, maxKept: cap)
                    let fast = NonMaximumSuppression.keep(boxes, scores: scores, iouThreshold: threshold, convention: convention, maxKept: cap)
                    #expect(fast == naive, "round \(round), \(convention), cap \(cap)")
                }
            }
        }
    }
}
