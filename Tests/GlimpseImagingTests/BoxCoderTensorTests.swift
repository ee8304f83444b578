// BoxCoder+Tensors: class-specific target columns and weights, and candidates from head outputs.

import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Box coding with tensors")
struct BoxCoderTensorTests {
    @Test func targetsGoIntoTheTrueClassColumns() {
        let truths = [BoundingBox(x0: 12, y0: 18, x1: 42, y1: 58, label: 5), BoundingBox(x0: 60, y0: 60, x1: 80, y1: 80, label: 9)]
        let proposal = BoundingBox(x0: 10, y0: 20, x1: 30, y1: 60)
        let regions = [
            SampledRegion(box: proposal, candidateIndex: 0, label: 5, match: ProposalMatch(groundTruthIndex: 0, iou: 0.5)),
            SampledRegion(box: proposal, candidateIndex: 1, label: nil, match: ProposalMatch(groundTruthIndex: 0, iou: 0.2)),
            SampledRegion(box: truths[1], candidateIndex: 2, label: 9, match: ProposalMatch(groundTruthIndex: 1, iou: 1)),
        ]
        // Labels 5 and 9 in slots 1 and 2 (slot 0 background).
        let (targets, weights) = BoxCoder.fastRCNN.regressionTargets(for: regions, groundTruth: truths, slots: 3) { $0 == 5 ? 1 : 2 }
        #expect(targets.shape == [3, 12] && weights.shape == [3, 12])
        func row(_ t: Tensor, _ r: Int) -> [Float] { Array(t.scalars[r * 12..<(r + 1) * 12]) }
        // Row 0: slot 1 = the hand-computed target (3.5, -0.5, 5 log 1.5, 0).
        let expected = BoxCoder.fastRCNN.encode(truths[0], relativeTo: proposal).values
        #expect(row(targets, 0) == [0, 0, 0, 0] + expected + [0, 0, 0, 0])
        #expect(abs(expected[0] - 3.5) < 1e-5)
        #expect(row(weights, 0) == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0])
        #expect(row(targets, 1).allSatisfy { $0 == 0 } && row(weights, 1).allSatisfy { $0 == 0 })
        #expect(row(targets, 2).allSatisfy { $0 == 0 })
        #expect(row(weights, 2) == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
    }

    @Test func candidatesDecodeEachObjectSlot() {
        let proposals = [BoundingBox(x0: 10, y0: 20, x1: 30, y1: 60), BoundingBox(x0: 0, y0: 0, x1: 50, y1: 50)]
        let probabilities = Tensor(shape: [2, 3], scalars: [0.2, 0.7, 0.1, 0.5, 0.25, 0.25])
        var deltas = [Float](repeating: 0, count: 24)
        deltas[4..<8] = [3.5, -0.5, 2.0273255, 0]   // RoI 0, slot 1: onto (12, 18)-(42, 58)
        deltas[20..<24] = [10, 0, 0, 0]             // RoI 1, slot 2: shifted right by 50, clipped at 64
        let boxes = BoxCoder.fastRCNN.candidates(proposals: proposals, probabilities: probabilities,
                                                 deltas: Tensor(shape: [2, 12], scalars: deltas), labels: [5, 9],
                                                 imageWidth: 64, imageHeight: 64)
        #expect(boxes.count == 4)
        #expect(boxes.map(\.label) == [5, 9, 5, 9])
        #expect(boxes.map { $0.score! } == [0.7, 0.1, 0.25, 0.25])
        #expect(abs(boxes[0].x0 - 12) < 1e-4 && abs(boxes[0].y1 - 58) < 1e-4)
        #expect(boxes[1].x0 == 10 && boxes[1].x1 == 30)
        #expect(boxes[3].x0 == 50 && boxes[3].x1 == 64 && boxes[3].y1 == 50)
    }
}
