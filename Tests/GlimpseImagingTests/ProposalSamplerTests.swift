// ProposalSampler: matching, the IoU thresholds at their edges, the fixed foreground share,
// reproducible sampling without replacement, appended ground truth, and object-free images.

import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Proposal sampling")
struct ProposalSamplerTests {
    static let truth = BoundingBox(x0: 0, y0: 0, x1: 10, y1: 10, label: 7)

    /// A proposal whose IoU with `truth` is exactly `rows / 10` (the top `rows` rows of it).
    static func rows(_ rows: Float) -> BoundingBox { BoundingBox(x0: 0, y0: 0, x1: 10, y1: rows) }

    @Test func matchTakesTheBestGroundTruth() {
        let truths = [Self.truth, BoundingBox(x0: 20, y0: 0, x1: 30, y1: 10, label: 2)]
        let proposals = [BoundingBox(x0: 18, y0: 0, x1: 28, y1: 10),  // 8x10 of the second: 80 / 120
                         BoundingBox(x0: 5, y0: 0, x1: 25, y1: 10),   // 50 / 250 with each: a tie, first wins
                         BoundingBox(x0: 50, y0: 50, x1: 60, y1: 60)]  // no overlap: first, IoU 0
        let matches = ProposalSampler.match(proposals, groundTruth: truths)
        #expect(matches[0] == ProposalMatch(groundTruthIndex: 1, iou: 80.0 / 120))
        #expect(matches[1] == ProposalMatch(groundTruthIndex: 0, iou: 50.0 / 250))
        #expect(matches[2] == ProposalMatch(groundTruthIndex: 0, iou: 0))
        #expect(ProposalSampler.match(proposals, groundTruth: []).allSatisfy { $0 == ProposalMatch(groundTruthIndex: nil, iou: 0) })
    }

    @Test func thresholdsAtTheirEdges() {
        // IoU 1, 0.5 (foreground: >=), 0.4, 0.1 (Fast R-CNN background: low bound inclusive), 0.09, 0.
        let proposals = [Self.rows(10), Self.rows(5), Self.rows(4), Self.rows(1), Self.rows(0.9),
                         BoundingBox(x0: 40, y0: 40, x1: 50, y1: 50)]
        var random = SeededGenerator(seed: 1)
        let fast = ProposalSampler.fastRCNN.sample(proposals: proposals, groundTruth: [Self.truth], random: &random)
        #expect(Set(fast.filter(\.isForeground).map(\.candidateIndex)) == [0, 1])
        #expect(Set(fast.filter { !$0.isForeground }.map(\.candidateIndex)) == [2, 3])
        #expect(fast.filter(\.isForeground).allSatisfy { $0.label == 7 && $0.match.groundTruthIndex == 0 })
        #expect(fast.filter { !$0.isForeground }.allSatisfy { $0.label == nil })
        let rcnn = ProposalSampler.rcnn.sample(proposals: proposals, groundTruth: [Self.truth], random: &random)
        #expect(Set(rcnn.filter { !$0.isForeground }.map(\.candidateIndex)) == [2, 3, 4, 5])
        // The partition before sampling, in index order.
        let parts = ProposalSampler.fastRCNN.partition(proposals: proposals, groundTruth: [Self.truth])
        #expect(parts.foreground == [0, 1] && parts.background == [2, 3])
        #expect(parts.candidates == proposals && parts.matches.map(\.iou)[1] == 0.5)
    }

    /// 100 foreground proposals (IoU 0.6-1) and 200 background ones (IoU 0.1-0.4) around `truth`.
    static let crowd: [BoundingBox] = (0..<100).map { rows(6 + Float($0) * 0.04) } + (0..<200).map { rows(1 + Float($0) * 0.015) }

    @Test func fixedForegroundShareWithoutReplacement() {
        var random = SeededGenerator(seed: 5)
        let batch = ProposalSampler.fastRCNN.sample(proposals: Self.crowd, groundTruth: [Self.truth], random: &random)
        #expect(batch.count == 128)
        #expect(batch.prefix(32).allSatisfy(\.isForeground) && batch.dropFirst(32).allSatisfy { !$0.isForeground })
        #expect(Set(batch.map(\.candidateIndex)).count == 128)
        #expect(batch.prefix(32).allSatisfy { $0.candidateIndex < 100 } && batch.dropFirst(32).allSatisfy { $0.candidateIndex >= 100 })
        #expect(batch.allSatisfy { $0.box == Self.crowd[$0.candidateIndex] })
    }

    @Test func shortSuppliesGiveSmallerBatches() {
        var random = SeededGenerator(seed: 5)
        // 5 foregrounds: all 5 taken, backgrounds fill up to 128.
        let few = ProposalSampler.fastRCNN.sample(proposals: Array(Self.crowd[95..<300]), groundTruth: [Self.truth], random: &random)
        #expect(few.filter(\.isForeground).count == 5 && few.count == 128)
        // 3 foregrounds and 4 backgrounds: all 7, nothing twice.
        let tiny = ProposalSampler.fastRCNN.sample(proposals: Array(Self.crowd[97..<104]), groundTruth: [Self.truth], random: &random)
        #expect(tiny.count == 7 && Set(tiny.map(\.candidateIndex)).count == 7)
        #expect(tiny.filter(\.isForeground).count == 3)
    }

    @Test func seedReproducesTheBatchAndEveryCandidateCanBeDrawn() {
        func draw(_ seed: UInt64) -> [Int] {
            var random = SeededGenerator(seed: seed)
            return ProposalSampler.fastRCNN.sample(proposals: Self.crowd, groundTruth: [Self.truth], random: &random).map(\.candidateIndex)
        }
        #expect(draw(42) == draw(42))
        #expect(draw(42) != draw(43))
        var seen = Set<Int>()
        for seed: UInt64 in 0..<40 { seen.formUnion(draw(seed)) }
        #expect(seen.count == 300, "only \(seen.count) of 300 candidates ever drawn")
    }

    @Test func appendedGroundTruthIsForeground() {
        var random = SeededGenerator(seed: 2)
        var sampler = ProposalSampler.fastRCNN
        sampler.appendGroundTruth = true
        let truths = [Self.truth, BoundingBox(x0: 30, y0: 30, x1: 40, y1: 45, label: 1)]
        let batch = sampler.sample(proposals: [], groundTruth: truths, random: &random)
        #expect(batch.count == 2 && batch.allSatisfy(\.isForeground))
        #expect(Set(batch.map(\.candidateIndex)) == [0, 1])
        #expect(batch.allSatisfy { $0.match.iou == 1 && $0.label == truths[$0.candidateIndex].label })
        // Appended after the proposals: candidate index = proposals + k.
        let withProposal = sampler.sample(proposals: [Self.rows(3)], groundTruth: truths, random: &random)
        #expect(Set(withProposal.filter(\.isForeground).map(\.candidateIndex)) == [1, 2])
    }

    @Test func imagesWithoutObjectsAreAllBackground() {
        var random = SeededGenerator(seed: 3)
        let proposals = (0..<10).map { BoundingBox(x0: Float($0), y0: 0, x1: Float($0) + 5, y1: 5) }
        for sampler in [ProposalSampler.fastRCNN, ProposalSampler.rcnn] {
            let batch = sampler.sample(proposals: proposals, groundTruth: [], random: &random)
            #expect(batch.count == 10 && batch.allSatisfy { !$0.isForeground && $0.match.groundTruthIndex == nil })
            #expect(sampler.sample(proposals: [], groundTruth: [], random: &random).isEmpty)
        }
        var appending = ProposalSampler.fastRCNN
        appending.appendGroundTruth = true
        #expect(appending.sample(proposals: proposals, groundTruth: [], random: &random).count == 10)
    }
}
