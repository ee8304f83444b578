// The four similarities, hand-computed.

import Testing
@testable import GlimpseProposals

@Suite struct SimilarityTests {
    @Test func histogramIntersection() {
        // min(.5,.2)+min(.3,.3)+min(.2,.5) = .2+.3+.2 = .7
        #expect(abs(Similarity.intersection([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]) - 0.7) < 1e-6)
        #expect(Similarity.intersection([1, 0, 0, 0, 0], [0, 0, 0, 0, 1]) == 0)
        let h: [Float] = [0.1, 0.2, 0.05, 0.05, 0.3, 0.1, 0.2]
        #expect(abs(Similarity.intersection(h, h) - 1) < 1e-6)
    }

    @Test func size() {
        // 1 - (10 + 30) / 100
        #expect(abs(Similarity.size(10, 30, imageSize: 100) - 0.6) < 1e-6)
    }

    @Test func fill() {
        // Boxes 0..1 x 0..1 (4 px) and 3..4 x 0..1 (4 px): union 5x2 = 10 px; regions of 3 and 4 px.
        // 1 - (10 - 3 - 4) / 100 = 0.97
        let a = PixelBox(minX: 0, minY: 0, maxX: 1, maxY: 1), b = PixelBox(minX: 3, minY: 0, maxX: 4, maxY: 1)
        #expect(abs(Similarity.fill(a, 3, b, 4, imageSize: 100) - 0.97) < 1e-6)
        // Touching boxes that fill their union score 1.
        let c = PixelBox(minX: 2, minY: 0, maxX: 4, maxY: 1)
        #expect(abs(Similarity.fill(a, 4, c, 6, imageSize: 50) - 1) < 1e-6)
    }

    @Test func measureNames() {
        #expect(SimilarityMeasures.all.name == "CTSF")
        #expect(SimilarityMeasures(name: "tsf") == .textureSizeFill)
        #expect(SimilarityMeasures(name: "X") == nil)
    }

    @Test func colourSimilarityOfFlatRegions() {
        // Two regions of one colour have colour similarity 1; of far colours, 0.
        let (image, _) = flatScene()
        let planes = ProposalColorSpace.rgb.planes(of: image)
        let descriptors = PixelDescriptors(planes: planes, width: image.width, height: image.height, channels: 3)
        let same = RegionFeatures.histograms(of: [0, 1, 2], descriptors: descriptors).colour
        let other = RegionFeatures.histograms(of: [0, 47], descriptors: descriptors).colour
        let red = RegionFeatures.histograms(of: [4 * 48 + 4, 5 * 48 + 5], descriptors: descriptors).colour
        #expect(abs(Similarity.intersection(same, other) - 1) < 1e-6)
        #expect(Similarity.intersection(same, red) == 0)
    }
}
