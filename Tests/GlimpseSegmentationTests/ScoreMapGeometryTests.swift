// ScoreMapGeometry reproduces the FCN repository's crop offsets for VGG16 (voc-fcn*s/net.py:
// conv1_1 pad 100; score_pool4 offset 5, score_pool3 offset 9; final 19 / 27 / 31) from the
// layer shapes alone.

import GlimpseSegmentation
import Testing

@Suite struct ScoreMapGeometryTests {
    @Test func vgg16OffsetsAreTheFCNRepositorys() {
        var g = ScoreMapGeometry.input.window(kernel: 3, padding: 100).window(kernel: 3, padding: 1).window(kernel: 2, stride: 2)
        var pools = [g]
        for convs in [2, 3, 3, 3] {
            for _ in 0..<convs { g = g.window(kernel: 3, padding: 1) }
            g = g.window(kernel: 2, stride: 2)
            pools.append(g)
        }
        let scoreFr = g.window(kernel: 7).window(kernel: 1).window(kernel: 1)
        #expect(scoreFr.scale == 32)
        #expect(scoreFr.transposed(kernel: 64, stride: 32).cropOffset(onto: .input) == 19)
        let upscore2 = scoreFr.transposed(kernel: 4, stride: 2)
        #expect(pools[3].cropOffset(onto: upscore2) == 5)  // pool4
        #expect(upscore2.transposed(kernel: 32, stride: 16).cropOffset(onto: .input) == 27)
        let upscorePool4 = upscore2.transposed(kernel: 4, stride: 2)
        #expect(pools[2].cropOffset(onto: upscorePool4) == 9)  // pool3
        #expect(upscorePool4.transposed(kernel: 16, stride: 8).cropOffset(onto: .input) == 31)
    }

    @Test func misalignedMapsAreRefused() {
        let a = ScoreMapGeometry(scale: 4, offset: 1.5), b = ScoreMapGeometry(scale: 4, offset: 3.5)
        #expect(a.cropOffset(onto: b) == nil)  // half a cell
        #expect(b.cropOffset(onto: a) == nil)  // would need a negative crop
        #expect(a.cropOffset(onto: ScoreMapGeometry(scale: 2, offset: 1.5)) == nil)
        #expect(a.cropOffset(onto: ScoreMapGeometry(scale: 4, offset: 9.5)) == 2)
    }

    @Test func mapSizes() {
        #expect(MapSize.window(28, kernel: 3, padding: 1) == 28)
        #expect(MapSize.window(7, kernel: 2, stride: 2) == 3)
        #expect(MapSize.window(3, kernel: 4) == 0)
        #expect(MapSize.transposed(3, kernel: 4, stride: 2) == 8)
    }
}
