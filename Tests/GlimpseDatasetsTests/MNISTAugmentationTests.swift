// MNISTAugmentationTests: exact results of the shift and rotation, and the generator discipline
// (same seed, same output; a fixed number of draws per image).

import Testing
import GlimpseTensor
@testable import GlimpseDatasets

@Suite struct MNISTAugmentationTests {
    /// A 28x28 image with no symmetry: an "L" of distinct values off the centre.
    static let pattern: [Float] = {
        var image = [Float](repeating: 0, count: 784)
        for (k, (x, y)) in [(20, 5), (20, 6), (20, 7), (20, 8), (21, 8), (22, 8), (3, 25)].enumerated() {
            image[y * 28 + x] = Float(k + 1) / 7
        }
        return image
    }()

    /// A batch `[4, 1, 28, 28]` of shifted copies of the pattern.
    static let batch = Tensor(shape: [4, 1, 28, 28], generator: { pattern[($0 + 29 * ($0 / 784)) % 784] })

    static func transformed(_ image: [Float], shiftX: Int = 0, shiftY: Int = 0, degrees: Float) -> [Float] {
        var output = [Float](repeating: -1, count: 784)
        image.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                MNISTAugmentation.transform(input, into: out, height: 28, width: 28,
                                            shiftX: shiftX, shiftY: shiftY, degrees: degrees)
            }
        }
        return output
    }

    @Test func switchedOffIsTheIdentityAndStillDrawsThreeValuesPerImage() {
        var generator = SeededGenerator(seed: 5)
        let output = MNISTAugmentation.identity.augment(batch: Self.batch, using: &generator)
        #expect(output == Self.batch)
        var reference = SeededGenerator(seed: 5)
        for _ in 0..<(4 * MNISTAugmentation.randomValuesPerImage) { _ = reference.nextUniform() }
        #expect(generator == reference)

        // Every configuration leaves the generator in the same state.
        var full = SeededGenerator(seed: 5)
        _ = MNISTAugmentation().augment(batch: Self.batch, using: &full)
        #expect(full == reference)
    }

    @Test func shiftByOneMovesEveryPixelRightExactly() {
        let output = Self.transformed(Self.pattern, shiftX: 1, degrees: 0)
        for y in 0..<28 {
            #expect(output[y * 28] == 0)
            for x in 1..<28 { #expect(output[y * 28 + x] == Self.pattern[y * 28 + x - 1]) }
        }
        let total: Float = Self.pattern.reduce(0, +)
        let upLeft = Self.transformed(Self.pattern, shiftX: -2, shiftY: -3, degrees: 0)
        let upLeftPixel: Float = upLeft[5 * 28 + 20]  // from (x 22, y 8)
        #expect(upLeftPixel == Self.pattern[8 * 28 + 22])
        let upLeftTotal: Float = upLeft.reduce(0, +)
        #expect(upLeftTotal == total)  // nothing fell off the edge
        let down = Self.transformed(Self.pattern, shiftY: 3, degrees: 0)
        let downTotal: Float = down.reduce(0, +)
        #expect(abs(downTotal - (total - 1)) < 1e-6)  // (x 3, y 25), value 1, fell off the bottom
    }

    @Test func rotationByZeroOrAFullTurnIsTheIdentity() {
        #expect(Self.transformed(Self.pattern, degrees: 0) == Self.pattern)
        // A full turn goes through the bilinear path; it is the identity up to rounding.
        let fullTurn = Self.transformed(Self.pattern, degrees: 360)
        #expect(zip(fullTurn, Self.pattern).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func rotationBy90DegreesIsNumpyRot90() {
        // np.rot90 (counter-clockwise as displayed): out[y][x] = in[x][27 - y].
        let output = Self.transformed(Self.pattern, degrees: 90)
        for y in 0..<28 {
            for x in 0..<28 {
                #expect(abs(output[y * 28 + x] - Self.pattern[x * 28 + (27 - y)]) < 1e-5, "at (\(x), \(y))")
            }
        }
        // The pixel at (x 20, y 5), right of centre and high, goes to (x 5, y 7): left and high.
        #expect(abs(output[7 * 28 + 5] - 1 / 7) < 1e-5)
    }

    @Test func sameSeedSameOutput() {
        let augmentation = MNISTAugmentation()
        var a = SeededGenerator(seed: 11), b = SeededGenerator(seed: 11), c = SeededGenerator(seed: 12)
        let first = augmentation.augment(batch: Self.batch, using: &a)
        let second = augmentation.augment(batch: Self.batch, using: &b)
        let other = augmentation.augment(batch: Self.batch, using: &c)
        #expect(first == second)
        #expect(first != other)
        #expect(first != Self.batch)
        #expect(first.shape == [4, 1, 28, 28])
    }

    @Test func drawnParametersStayInRange() {
        let augmentation = MNISTAugmentation(maxShift: 2, maxRotationDegrees: 10)
        var generator = SeededGenerator(seed: 3)
        var shifts = Set<Int>()
        for _ in 0..<2000 {
            let p = augmentation.drawParameters(using: &generator)
            #expect((-2...2).contains(p.shiftX) && (-2...2).contains(p.shiftY))
            #expect(abs(p.degrees) <= 10)
            shifts.insert(p.shiftX)
        }
        #expect(shifts == Set(-2...2))
        let noShift = MNISTAugmentation(shiftEnabled: false).drawParameters(using: &generator)
        #expect(noShift.shiftX == 0 && noShift.shiftY == 0 && noShift.degrees != 0)
    }

    @Test func perImageGeneratorsMakeEachImageIndependentOfTheOthers() {
        let generators = (0..<4).map { SeededGenerator(seed: 200 + UInt64($0)) }
        let whole = MNISTAugmentation().augment(batch: Self.batch, generators: generators).scalars
        for n in 0..<4 {
            let image = Tensor(shape: [1, 1, 28, 28], scalars: Array(Self.batch.scalars[(n * 784)..<((n + 1) * 784)]))
            var alone = generators[n]
            #expect(MNISTAugmentation().augment(batch: image, using: &alone).scalars == Array(whole[(n * 784)..<((n + 1) * 784)]))
        }
        #expect(whole != MNISTAugmentation().augment(batch: Self.batch, generators: generators.reversed()).scalars)
    }
}
