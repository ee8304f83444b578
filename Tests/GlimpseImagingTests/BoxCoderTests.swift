// BoxCoder: hand-computed targets, normalisation, the decode clamp and clip, and the round trip.

import Foundation
import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Box coding")
struct BoxCoderTests {
    // Proposal (10, 20)-(30, 60): w 20, h 40, centre (20, 40).
    // Ground truth (12, 18)-(42, 58): w 30, h 40, centre (27, 38).
    static let proposal = BoundingBox(x0: 10, y0: 20, x1: 30, y1: 60)
    static let truth = BoundingBox(x0: 12, y0: 18, x1: 42, y1: 58, label: 3)

    static func close(_ a: Float, _ b: Float, _ tolerance: Float = 1e-5) -> Bool { abs(a - b) <= tolerance }

    @Test func rawTargetsByHand() {
        let t = BoxCoder.raw.encode(Self.truth, relativeTo: Self.proposal)
        // dx = 7 / 20, dy = -2 / 40, dw = log(30 / 20), dh = log(40 / 40).
        #expect(Self.close(t.dx, 0.35) && Self.close(t.dy, -0.05))
        #expect(Self.close(t.dw, 0.4054651) && t.dh == 0)
    }

    @Test func fastRCNNNormalisationDividesByStds() {
        let t = BoxCoder.fastRCNN.encode(Self.truth, relativeTo: Self.proposal)
        #expect(Self.close(t.dx, 3.5) && Self.close(t.dy, -0.5))
        #expect(Self.close(t.dw, 2.0273255) && t.dh == 0)
        // Non-zero means are subtracted before dividing.
        let shifted = BoxCoder(means: BoxDeltas(dx: 0.05, dy: 0, dw: 0, dh: 1), stds: BoxDeltas(dx: 0.1, dy: 1, dw: 1, dh: 2))
        let u = shifted.encode(Self.truth, relativeTo: Self.proposal)
        #expect(Self.close(u.dx, 3.0) && Self.close(u.dy, -0.05) && Self.close(u.dh, -0.5))
    }

    @Test func identicalBoxesGiveZeroAndDecodeToTheProposal() {
        let t = BoxCoder.fastRCNN.encode(Self.proposal, relativeTo: Self.proposal)
        #expect(t == BoxDeltas(dx: 0, dy: 0, dw: 0, dh: 0))
        #expect(BoxCoder.fastRCNN.decode(t, relativeTo: Self.proposal) == Self.proposal)
    }

    @Test func decodeByHand() {
        // Raw (0.35, -0.05, log 1.5, 0) on the proposal is the ground truth again.
        let box = BoxCoder.fastRCNN.decode(BoxDeltas(dx: 3.5, dy: -0.5, dw: 2.0273255, dh: 0), relativeTo: Self.proposal)
        #expect(Self.close(box.x0, 12, 1e-4) && Self.close(box.y0, 18, 1e-4))
        #expect(Self.close(box.x1, 42, 1e-4) && Self.close(box.y1, 58, 1e-4))
    }

    @Test func decodeClampsTheLogScale() {
        // Raw dw = 100 * 0.2 = 20 is clamped at log(1000 / 16): width 20 * 62.5 = 1250 around centre 20.
        let box = BoxCoder.fastRCNN.decode(BoxDeltas(dx: 0, dy: 0, dw: 100, dh: -5), relativeTo: Self.proposal)
        #expect(Self.close(box.x0, 20 - 625, 1e-2) && Self.close(box.x1, 20 + 625, 1e-2))
        // dh = -5 * 0.2 = -1 is not clamped (only large scales are): height 40 / e.
        #expect(Self.close(box.y1 - box.y0, 40 / Float(M_E), 1e-4))
    }

    @Test func decodeClipsToTheImage() {
        let box = BoxCoder.fastRCNN.decode(BoxDeltas(dx: -20, dy: 0, dw: 0, dh: 5), relativeTo: Self.proposal,
                                           imageWidth: 64, imageHeight: 48)
        // Centre x 20 - 2 * 20 = -20, width 20: [-30, -10) -> [0, 0]; height 40 e: centre 40 -> clipped to [0, 48].
        #expect(box.x0 == 0 && box.x1 == 0)
        #expect(box.y0 == 0 && box.y1 == 48)
        #expect(box.label == Self.proposal.label)
    }

    @Test func roundTripOnRandomBoxes() {
        var random = SeededGenerator(seed: 11)
        func randomBox() -> BoundingBox {
            let x = random.nextUniform() * 400, y = random.nextUniform() * 300
            // Sides 10...210 px, so no ratio reaches the decode clamp (log 21 < log 62.5).
            return BoundingBox(x0: x, y0: y, x1: x + 10 + random.nextUniform() * 200, y1: y + 10 + random.nextUniform() * 200)
        }
        var worst: Float = 0
        for coder in [BoxCoder.fastRCNN, BoxCoder.raw] {
            for _ in 0..<500 {
                let (p, g) = (randomBox(), randomBox())
                let back = coder.decode(coder.encode(g, relativeTo: p), relativeTo: p)
                for (a, b) in [(back.x0, g.x0), (back.y0, g.y0), (back.x1, g.x1), (back.y1, g.y1)] {
                    worst = max(worst, abs(a - b))
                }
            }
        }
        #expect(worst < 1e-3, "worst corner error \(worst) px")
    }
}
