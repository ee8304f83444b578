// RoIMaxPool: hand-computed bins (caffe-fast-rcnn arithmetic), the fast path against the naive
// reference, argmax routing with accumulation, and a central-difference gradient check.

import GlimpseModels
@testable import GlimpseNN
import GlimpseTensor
import Testing

/// RoIMaxPool bound to fixed RoIs, so the single-input gradient check can drive it.
private struct BoundRoIPool: Layer {
    var pool: RoIMaxPool
    var rois: Tensor
    func callAsFunction(_ input: Tensor) -> Tensor { pool(input, rois: rois) }
    mutating func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback) {
        pool.forward(input, rois: rois)
    }
    func visitParameters(_ body: (String, Tensor) -> Void) {}
    mutating func updateParameters(_ body: (String, inout Tensor) -> Void) {}
    func visitBuffers(_ body: (String, Tensor) -> Void) {}
    mutating func updateBuffers(_ body: (String, inout Tensor) -> Void) {}
}

@Suite("RoI max pooling")
struct RoIMaxPoolTests {
    /// `[1, 1, 4, 4]` holding 0...15 row by row.
    static let ramp = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))

    @Test func wholeMapTwoByTwo() {
        // Scale 1, RoI 0...3: size 4, bins [0, 2) and [2, 4) on both axes.
        let pool = RoIMaxPool(outputHeight: 2, outputWidth: 2, spatialScale: 1)
        let out = pool(Self.ramp, rois: Tensor(shape: [1, 5], scalars: [0, 0, 0, 3, 3]))
        #expect(out.shape == [1, 1, 2, 2])
        #expect(out.scalars == [5, 7, 13, 15])
    }

    @Test func scaledRoIRoundsHalfAwayFromZeroAndOverlapsBins() {
        // Scale 0.5, RoI (1, 1)-(5, 5): start round(0.5) = 1, end round(2.5) = 3, size 3,
        // bin size 1.5: bins [0, 2) + 1 = [1, 3) and [1, 3) + 1 = [2, 4), overlapping at 2.
        let pool = RoIMaxPool(outputHeight: 2, outputWidth: 2, spatialScale: 0.5)
        let out = pool(Self.ramp, rois: Tensor(shape: [1, 5], scalars: [0, 1, 1, 5, 5]))
        #expect(out.scalars == [10, 11, 14, 15])
    }

    @Test func singleCellRoIAndMoreBinsThanCells() {
        // RoI x 2...2, y 1...1 (size 1x1), 2x3 bins: bin p = [floor(p / P), ceil((p + 1) / P)) = [0, 1),
        // so every bin is the one cell (1, 2) = 6.
        let pool = RoIMaxPool(outputHeight: 2, outputWidth: 3, spatialScale: 1)
        let out = pool(Self.ramp, rois: Tensor(shape: [1, 5], scalars: [0, 2, 1, 2, 1]))
        #expect(out.scalars == [Float](repeating: 6, count: 6))
        // An inverted RoI (x2 < x1) has size max(end - start + 1, 1) = 1 from its start.
        let inverted = pool(Self.ramp, rois: Tensor(shape: [1, 5], scalars: [0, 2, 1, 0, 0]))
        #expect(inverted.scalars == [Float](repeating: 6, count: 6))
    }

    @Test func binsOutsideTheMapAreZeroAndNegativeMaximaSurvive() {
        let negative = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map { -Float($0) - 1 })
        let pool = RoIMaxPool(outputHeight: 2, outputWidth: 2, spatialScale: 1)
        // Far outside: every bin clipped to empty -> 0 (not -FLT_MAX).
        let outside = pool.forward(negative, rois: Tensor(shape: [1, 5], scalars: [0, 10, 10, 13, 13]))
        #expect(outside.output.scalars == [0, 0, 0, 0])
        var gradients = Gradients()
        #expect(outside.pullback(Tensor(repeating: 1, shape: [1, 1, 2, 2]), &gradients).scalars.allSatisfy { $0 == 0 })
        // Half outside, RoI x 2...5, y 2...5: size 4, bins [2, 4) and [4, 6) -> clipped to [4, 4), empty.
        let half = pool(negative, rois: Tensor(shape: [1, 5], scalars: [0, 2, 2, 5, 5]))
        #expect(half.scalars == [-11, 0, 0, 0])
    }

    @Test func noRoIsGiveAnEmptyBatchAndZeroGradient() {
        // An image with neither proposals nor objects reaches the head with R = 0.
        let pool = RoIMaxPool(outputHeight: 7, outputWidth: 7, spatialScale: 7.0 / 128)
        let (out, pullback) = pool.forward(Self.ramp, rois: Tensor(shape: [0, 5], scalars: []))
        #expect(out.shape == [0, 1, 7, 7])
        var gradients = Gradients()
        let dx = pullback(Tensor(zeros: [0, 1, 7, 7]), &gradients)
        #expect(dx.shape == [1, 1, 4, 4] && dx.scalars.allSatisfy { $0 == 0 })
        #expect(pool.referencePool(Self.ramp, rois: Tensor(shape: [0, 5], scalars: [])).output.shape == [0, 1, 7, 7])
    }

    @Test func batchIndexSelectsTheImage() {
        let two = Tensor(shape: [2, 1, 4, 4], scalars: (0..<16).map(Float.init) + (0..<16).map { Float($0) + 100 })
        let pool = RoIMaxPool(outputHeight: 1, outputWidth: 1, spatialScale: 1)
        let out = pool(two, rois: Tensor(shape: [2, 5], scalars: [1, 0, 0, 1, 1, 0, 0, 0, 1, 1]))
        #expect(out.scalars == [105, 5])
    }

    @Test func gradientGoesToTheArgmaxAndAccumulatesOverOverlappingRoIs() {
        let pool = RoIMaxPool(outputHeight: 1, outputWidth: 1, spatialScale: 1)
        let rois = Tensor(shape: [3, 5], scalars: [0, 0, 0, 3, 3, 0, 1, 1, 3, 3, 0, 0, 0, 1, 1])
        let (out, pullback) = pool.forward(Self.ramp, rois: rois)
        #expect(out.scalars == [15, 15, 5])
        var gradients = Gradients()
        let dx = pullback(Tensor(shape: [3, 1, 1, 1], scalars: [1, 2, 4]), &gradients)
        var expected = [Float](repeating: 0, count: 16)
        expected[15] = 3
        expected[5] = 4
        #expect(dx.shape == [1, 1, 4, 4])
        #expect(dx.scalars == expected)
    }

    /// Random features and RoIs (some partly or wholly outside, some inverted, scale 7/128).
    static func randomCase(seed: UInt64) -> (features: Tensor, rois: Tensor) {
        var random = SeededGenerator(seed: seed)
        let features = Tensor(shape: [2, 3, 7, 7]) { _ in random.nextNormal() }
        var values = [Float]()
        for _ in 0..<20 {
            let x = random.nextUniform() * 160 - 16, y = random.nextUniform() * 160 - 16
            values += [Float(random.nextIndex(below: 2)), x, y,
                       x + random.nextUniform() * 120 - 10, y + random.nextUniform() * 120 - 10]
        }
        return (features, Tensor(shape: [20, 5], scalars: values))
    }

    @Test(arguments: zip([2, 7, 3], [2, 7, 5]))
    func fastPathMatchesReference(_ binsY: Int, _ binsX: Int) {
        for seed: UInt64 in 1...5 {
            let (features, rois) = Self.randomCase(seed: seed)
            let pool = RoIMaxPool(outputHeight: binsY, outputWidth: binsX, spatialScale: 7.0 / 128)
            let reference = pool.referencePool(features, rois: rois)
            var argmax = [Int32](repeating: 7, count: reference.argmax.count)
            let fast = argmax.withUnsafeMutableBufferPointer { pool.pool(features, rois: rois, argmax: $0.baseAddress!) }
            #expect(fast == reference.output, "seed \(seed)")
            #expect(argmax == reference.argmax, "seed \(seed)")
            #expect(reference.argmax.contains(-1), "seed \(seed): the case should hold an empty bin")
        }
    }

    @Test func squeezeNetOn128PixelsGivesTheMeasuredScale() {
        // SqueezeNet 1.1 on a 128 px scene: 128 -> 63 -> 31 -> 15 -> 7, so fire9 is 7 x 7 and
        // the scale is 7 / 128 (not VGG16's 1/16).
        let net = SqueezeNet.make(classes: 10, seed: 1)
        var random = SeededGenerator(seed: 4)
        let image = Tensor(shape: [1, 3, 128, 128]) { _ in random.nextNormal() }
        let map = net(image, through: "fire9")
        #expect(map.shape == [1, 512, 7, 7])
        let pool = RoIMaxPool(outputHeight: 7, outputWidth: 7, spatialScale: 7.0 / 128)
        // x2 = y2 = 110: round(110 x 7 / 128) = round(6.02) = 6, so cells 0...6, one per bin:
        // the pooled RoI is the map itself.
        #expect(pool(map, rois: Tensor(shape: [1, 5], scalars: [0, 0, 0, 110, 110])) == map)
        // The whole scene, inclusive corner 127: round(6.95) = 7 gives 8 cells (the last one
        // off the map), bin size 8 / 7, so bin (0, 0) covers cells [0, 2) x [0, 2).
        let whole = pool(map, rois: Tensor(shape: [1, 5], scalars: [0, 0, 0, 127, 127]))
        let corner = [0, 1, 7, 8].map { map.scalars[$0] }.max()!
        #expect(whole.scalars[0] == corner)
    }

    @Test func gradientCheck() {
        // Overlapping RoIs on two images, some bins empty; distinct inputs so no max ties.
        let pool = RoIMaxPool(outputHeight: 3, outputWidth: 3, spatialScale: 7.0 / 128)
        let rois = Tensor(shape: [4, 5], scalars: [0, 0, 0, 127, 127,
                                                   0, 20, 10, 90, 100,
                                                   1, 30, 30, 140, 150,
                                                   1, 40, 40, 80, 60])
        let result = GlimpseNNTests.gradientCheck(BoundRoIPool(pool: pool, rois: rois), input: distinctInput([2, 2, 7, 7]))
        #expect(result.passed(tolerance: 1e-3), "\(result)")
        print("RoIMaxPool gradient check: \(result)")
    }
}
