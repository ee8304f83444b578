// PhotoAugmentation: flips mirror exactly, crops sample the drawn window (checked on a ramp,
// which bilinear sampling reproduces exactly), and every image draws five uniforms.

import GlimpseDatasets
import GlimpseTensor
import Testing

@Suite struct PhotoAugmentationTests {
    /// `[B, C, H, W]` with value 100 * image + 10 * channel + x (a ramp along x).
    static func ramp(batch: Int = 2, channels: Int = 3, height: Int = 6, width: Int = 8) -> Tensor {
        Tensor(shape: [batch, channels, height, width]) { i in
            let x = i % width, c = (i / (width * height)) % channels, n = i / (width * height * channels)
            return Float(100 * n + 10 * c + x)
        }
    }

    @Test func switchedOffIsTheIdentityAndStillDrawsFiveValuesPerImage() {
        let off = PhotoAugmentation(flipProbability: 0, minimumScale: 1)
        #expect(off.isIdentity)
        var generator = SeededGenerator(seed: 3)
        let batch = Self.ramp()
        #expect(off.augment(batch: batch, using: &generator) == batch)
        var reference = SeededGenerator(seed: 3)
        for _ in 0..<(2 * PhotoAugmentation.randomValuesPerImage) { _ = reference.nextUniform() }
        #expect(generator.nextUniform() == reference.nextUniform())
    }

    @Test func alwaysFlippingMirrorsEveryRowExactly() {
        var generator = SeededGenerator(seed: 4)
        let batch = Self.ramp()
        let out = PhotoAugmentation(flipProbability: 1).augment(batch: batch, using: &generator)
        let (h, w) = (6, 8)
        for plane in 0..<6 {
            for y in 0..<h {
                for x in 0..<w {
                    #expect(out.scalars[(plane * h + y) * w + x] == batch.scalars[(plane * h + y) * w + (w - 1 - x)])
                }
            }
        }
    }

    @Test func cropsSampleTheDrawnWindow() {
        let crop = PhotoAugmentation(flipProbability: 0.5, minimumScale: 0.3)
        let (h, w) = (6, 8)
        let batch = Self.ramp(height: h, width: w)
        var generator = SeededGenerator(seed: 5)
        var replay = generator
        let out = crop.augment(batch: batch, using: &generator)
        for n in 0..<2 {
            let d = crop.draw(height: h, width: w, using: &replay)
            #expect(d.width <= Float(w) && d.height <= Float(h) && d.x >= 0 && d.y >= 0)
            #expect(d.x + d.width <= Float(w) + 1e-4 && d.y + d.height <= Float(h) + 1e-4)
            #expect(d.width * d.height >= 0.3 * Float(w * h) * 0.75 - 1e-3)  // clamping can only cut the aspect
            for c in 0..<3 {
                for y in 0..<h {
                    for x in 0..<w {
                        let column = d.flip ? w - 1 - x : x
                        let fx = min(max(d.x + (Float(column) + 0.5) * d.width / Float(w) - 0.5, 0), Float(w - 1))
                        let expected = Float(100 * n + 10 * c) + fx
                        let got = out.scalars[((n * 3 + c) * h + y) * w + x]
                        #expect(abs(got - expected) < 1e-4, "image \(n) channel \(c) (\(x), \(y))")
                    }
                }
            }
        }
    }

    @Test func sameSeedSameOutput() {
        let crop = PhotoAugmentation(flipProbability: 0.5, minimumScale: 0.5)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let batch = Self.ramp(batch: 4)
        #expect(crop.augment(batch: batch, using: &a) == crop.augment(batch: batch, using: &b))
    }

    @Test func perImageGeneratorsMakeEachImageIndependentOfTheOthers() {
        let crop = PhotoAugmentation(flipProbability: 0.5, minimumScale: 0.5)
        let batch = Self.ramp(batch: 4)
        let generators = (0..<4).map { SeededGenerator(seed: 100 + UInt64($0)) }
        let whole = crop.augment(batch: batch, generators: generators).scalars
        let plane = batch.count / 4
        for n in 0..<4 {
            let image = Tensor(shape: [1] + Array(batch.shape.dropFirst()),
                               scalars: Array(batch.scalars[(n * plane)..<((n + 1) * plane)]))
            var alone = generators[n]
            #expect(crop.augment(batch: image, using: &alone).scalars == Array(whole[(n * plane)..<((n + 1) * plane)]))
        }
    }
}
