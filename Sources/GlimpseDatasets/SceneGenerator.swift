// SceneGenerator: scenes of real MNIST digits on real texture photos, with every kind of ground
// truth (boxes, instance masks, a semantic label map, attributes and captions).
//
// One scene, drawn from its own generator so scenes can be made in any order and in parallel:
//  1. a background (SceneBackgrounds.render);
//  2. 1...maxObjects digits, each a real MNIST image from the split's own pool, scaled to a
//     side in [minDigitSide, maxDigitSide] (of the 28x28 patch), painted in a palette colour
//     that differs from the background's mean colour, placed wholly inside the image so that
//     its stroke box overlaps no earlier one by more than IoU 0.3 (a placement is retried up
//     to 30 times, then the scene keeps the digits it has);
//  3. compositing: the scaled grey value / 255 is the digit's opacity `a`; painting a layer
//     multiplies every earlier layer's weight by (1 - a), so each pixel ends with weights for
//     the background and every digit that sum to 1;
//  4. ground truth from the weights: a digit's instance mask is where its weight exceeds 0.5,
//     its box is the tight box of that mask; the label map holds the class (0 background,
//     digit + 1) of the dominant layer, or 255 (ignore) where no layer has weight 0.75, i.e.
//     on anti-aliased edges. Digits whose mask came out empty are dropped.
//
// Splits use disjoint digit images: train draws from MNIST train 0..<50,000, val from MNIST
// train 50,000..<60,000, test from MNIST test. Scene i of split s draws from
// `SeededGenerator(seed: seed).derived(s.number << 32 | i)`: separate streams per split.

import GlimpseImaging
import GlimpseTensor

/// A split of a generated scene set, with its own digit pool and random streams.
public enum SceneSplit: String, CaseIterable, Sendable {
    /// Training, validation and test splits (the raw value is the folder name).
    case train, val, test

    /// The stream number mixed into the seed.
    public var number: UInt64 {
        switch self {
        case .train: return 1
        case .val: return 2
        case .test: return 3
        }
    }

    /// The MNIST split and index range its digits come from (disjoint across splits).
    public var digitPool: (split: MNISTDataset.Split, range: Range<Int>) {
        switch self {
        case .train: return (.train, 0..<50_000)
        case .val: return (.train, 50_000..<60_000)
        case .test: return (.test, 0..<10_000)
        }
    }
}

/// Small or large, as captions say it.
public enum SizeClass: String, Sendable, CaseIterable {
    /// The two size words (the raw value is the caption word).
    case small, large
}

/// One digit of a scene with its ground truth.
public struct SceneObject: Sendable, Equatable {
    /// The digit, 0-9 (class id digit + 1).
    public var digit: Int
    /// Its colour.
    public var color: ObjectColor
    /// Small (patch side below the middle of the range) or large.
    public var size: SizeClass
    /// The side of the scaled 28x28 patch in pixels.
    public var patchSide: Int
    /// Tight box of `mask`, `label` = digit + 1.
    public var box: BoundingBox
    /// Visible pixels, `[H, W]`.
    public var mask: InstanceMask
    /// Where the digit image came from, e.g. "mnist-train:1234".
    public var source: String
}

/// A generated scene.
public struct Scene: Sendable, Equatable {
    /// RGB pixels `[H, W, 3]`.
    public var image: Image
    /// Class id per pixel, 0 background, digit + 1, 255 on anti-aliased edges.
    public var labelMap: LabelMap
    /// The digits, in painting order (later ones on top).
    public var objects: [SceneObject]
    /// The background.
    public var background: SceneBackgroundKind
    /// Reference captions (at least 5, all different).
    public var captions: [String]
}

/// Makes scenes from MNIST digits and texture photos.
public struct SceneGenerator: Sendable {
    /// Scene side in pixels.
    public var size: Int
    /// At most this many digits per scene.
    public var maxObjects: Int
    /// Smallest digit patch side.
    public var minDigitSide: Int
    /// Largest digit patch side (capped at `size`).
    public var maxDigitSide: Int
    /// MNIST train and test sets.
    public let mnist: [MNISTDataset.Split: MNISTDataset]
    /// The texture photos.
    public let backgrounds: SceneBackgrounds

    /// The class names of generated sets: "background", then the digits "0" to "9".
    public static let classNames = ["background"] + (0...9).map(String.init)

    /// Loads MNIST from `mnistDirectory` and the textures from `texturesDirectory`.
    public init(mnistDirectory: String, texturesDirectory: String, size: Int = 128, maxObjects: Int = 4,
                minDigitSide: Int = 16, maxDigitSide: Int = 64) throws(DatasetError) {
        precondition(size >= 32, "SceneGenerator: size \(size) below 32")
        precondition(maxObjects >= 1, "SceneGenerator: maxObjects \(maxObjects) below 1")
        precondition(minDigitSide >= 8 && minDigitSide <= maxDigitSide, "SceneGenerator: bad digit side range")
        var mnist = [MNISTDataset.Split: MNISTDataset]()
        for split in [MNISTDataset.Split.train, .test] {
            do {
                mnist[split] = try MNISTDataset(directory: mnistDirectory, split: split)
            } catch {
                throw DatasetError(.unreadable, file: error.file, "\(error)")
            }
        }
        self.mnist = mnist
        backgrounds = try SceneBackgrounds(directory: texturesDirectory)
        (self.size, self.maxObjects, self.minDigitSide) = (size, maxObjects, minDigitSide)
        self.maxDigitSide = min(maxDigitSide, size)
    }

    /// The random stream of scene `index` of `split`.
    public static func generator(seed: UInt64, split: SceneSplit, index: Int) -> SeededGenerator {
        SeededGenerator(seed: seed).derived(split.number << 32 | UInt64(index))
    }

    /// Scene `index` of `split` for `seed`; the same arguments always give the same scene.
    public func scene(seed: UInt64, split: SceneSplit, index: Int) -> Scene {
        var rng = Self.generator(seed: seed, split: split, index: index)
        let (background, kind) = backgrounds.render(size: size, using: &rng)
        // Work on plain arrays: writing through Image.pixels / LabelMap.ids (observed properties of
        // another module) copies the whole buffer per pixel.
        var pixels = background.pixels
        let pixelCount = size * size
        var meanColor = [Float](repeating: 0, count: 3)
        for i in 0..<pixelCount { for c in 0..<3 { meanColor[c] += Float(pixels[i * 3 + c]) } }
        meanColor = meanColor.map { $0 / Float(pixelCount) }

        let pool = split.digitPool
        let digits = mnist[pool.split]!
        let wanted = 1 + Int(rng.next() % UInt64(maxObjects))
        var weights: [[Float]] = [[Float](repeating: 1, count: pixelCount)]  // layer 0: background
        var placed: [(digit: Int, color: ObjectColor, side: Int, source: String, stroke: BoundingBox)] = []
        for _ in 0..<wanted {
            let sourceIndex = pool.range.lowerBound + Int(rng.next() % UInt64(pool.range.count))
            let side = minDigitSide + Int(rng.next() % UInt64(maxDigitSide - minDigitSide + 1))
            var color = ObjectColor.allCases[Int(rng.next() % UInt64(ObjectColor.allCases.count))]
            for _ in 0..<8 where Self.distance(color.rgb, meanColor) < 90 {
                color = ObjectColor.allCases[Int(rng.next() % UInt64(ObjectColor.allCases.count))]
            }
            let start = sourceIndex * MNISTDataset.pixelsPerImage
            let patch = Image(width: 28, height: 28, channels: 1,
                              pixels: Array(digits.images[start..<(start + MNISTDataset.pixelsPerImage)]))
                .resized(width: side, height: side).pixels
            // Stroke box within the patch (opacity above 0.5), to bound the overlap.
            var sx0 = side, sy0 = side, sx1 = 0, sy1 = 0
            for y in 0..<side { for x in 0..<side where patch[y * side + x] > 127 {
                sx0 = min(sx0, x); sx1 = max(sx1, x + 1); sy0 = min(sy0, y); sy1 = max(sy1, y + 1)
            } }
            guard sx1 > sx0 else { continue }
            var position: (Int, Int)?
            for _ in 0..<30 {
                let x = Int(rng.next() % UInt64(size - side + 1)), y = Int(rng.next() % UInt64(size - side + 1))
                let stroke = BoundingBox(x0: Float(x + sx0), y0: Float(y + sy0), x1: Float(x + sx1), y1: Float(y + sy1))
                if placed.allSatisfy({ $0.stroke.iou(stroke) <= 0.3 }) { position = (x, y); break }
            }
            guard let (px, py) = position else { break }
            // Paint: every earlier layer's weight shrinks by (1 - a).
            var layer = [Float](repeating: 0, count: pixelCount)
            let rgb = color.rgb.map(Float.init)
            for y in 0..<side {
                for x in 0..<side {
                    let a = Float(patch[y * side + x]) / 255
                    if a == 0 { continue }
                    let p = (py + y) * size + px + x
                    for k in 0..<weights.count { weights[k][p] *= 1 - a }
                    layer[p] = a
                    for c in 0..<3 {
                        pixels[p * 3 + c] = UInt8((Float(pixels[p * 3 + c]) * (1 - a) + rgb[c] * a).rounded())
                    }
                }
            }
            weights.append(layer)
            placed.append((digit: Int(digits.labels[sourceIndex]), color: color, side: side,
                           source: "mnist-\(pool.split.rawValue):\(sourceIndex)",
                           stroke: BoundingBox(x0: Float(px + sx0), y0: Float(py + sy0), x1: Float(px + sx1), y1: Float(py + sy1))))
        }

        // Ground truth from the final weights.
        var ids = [UInt8](repeating: 0, count: pixelCount)
        for p in 0..<pixelCount {
            var best = 0
            for k in 1..<weights.count where weights[k][p] > weights[best][p] { best = k }
            ids[p] = weights[best][p] < 0.75 ? LabelMap.ignore : best == 0 ? 0 : UInt8(placed[best - 1].digit + 1)
        }
        let labelMap = LabelMap(width: size, height: size, ids: ids)
        let image = Image(width: size, height: size, channels: 3, pixels: pixels)
        let largeFrom = (minDigitSide + maxDigitSide + 1) / 2
        var objects = [SceneObject]()
        for (k, object) in placed.enumerated() {
            let mask = InstanceMask(width: size, height: size, bits: weights[k + 1].map { $0 > 0.5 })
            guard let edges = mask.tightBox() else { continue }
            objects.append(SceneObject(
                digit: object.digit, color: object.color, size: object.side >= largeFrom ? .large : .small,
                patchSide: object.side,
                box: BoundingBox(x0: Float(edges.x0), y0: Float(edges.y0), x1: Float(edges.x1), y1: Float(edges.y1),
                                 label: object.digit + 1),
                mask: mask, source: object.source))
        }
        var captionRNG = rng.derived(0xCA)
        let captions = CaptionGrammar.captions(objects: objects, background: kind, imageSize: size, using: &captionRNG)
        return Scene(image: image, labelMap: labelMap, objects: objects, background: kind, captions: captions)
    }

    static func distance(_ a: [UInt8], _ b: [Float]) -> Float {
        var d: Float = 0
        for c in 0..<3 { d += (Float(a[c]) - b[c]) * (Float(a[c]) - b[c]) }
        return d.squareRoot()
    }
}
