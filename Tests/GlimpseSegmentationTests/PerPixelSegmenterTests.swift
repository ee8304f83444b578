// PerPixelSegmenter against the FCN-32s it is taken from: a small random net (3 classes; score_fr
// and every convolution's bias random, so padding and bias both show), saved with its
// SegmenterDescription and loaded through the weights path, on a random image.
//
// What is exact, and what is not: the 60-pixel window (everything a score_fr cell depends on)
// gives the FCN's score_fr at every cell whose window lies inside the image, the seed text's
// claim that the FCN computes per-window classification with the overlapping work shared. The
// 28-pixel window (DeepConvNet's input) is the convolutionalised classifier on that window alone;
// it is not the FCN's cell, because DeepConvNet's padded convolutions see zeros at the window's
// edge where the FCN sees the rest of the image.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
@testable import GlimpseSegmentation
import GlimpseStages
import GlimpseTensor
import Testing

@Suite struct PerPixelSegmenterTests {
    static let preprocessing = ImagePreprocessing(inputSize: 28, channelOrder: "RGB", mean: [120, 115, 110], std: [60, 60, 60])

    /// A random `variant` net, saved to a temporary file: the file and the network.
    static func saved(_ variant: FCNVariant) throws -> (path: String, network: FCNNetwork) {
        var network = FCNNetwork(variant: variant, classes: 3, seed: 7)
        var random = SeededGenerator(seed: 11)
        network.updateParameters { name, value in
            if name.hasPrefix("score_fr") || (name.hasSuffix(".bias") && !name.hasPrefix("upscore")) {
                value = Tensor(shape: value.shape) { _ in Float.random(in: -0.5...0.5, using: &random) }
            }
        }
        let description = SegmenterDescription(variant: variant, classes: ["background", "one", "two"], preprocessing: preprocessing)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("per-pixel-\(variant.rawValue)-\(UUID().uuidString).safetensors")
        try network.save(to: url, metadata: description.metadata)
        return (url.path, network)
    }

    /// A `width` x `height` RGB image of random bytes.
    static func image(width: Int, height: Int, seed: UInt64 = 3) -> Image {
        var random = SeededGenerator(seed: seed)
        return Image(width: width, height: height, channels: 3, pixels: (0..<(width * height * 3)).map { _ in UInt8.random(in: 0...255, using: &random) })
    }

    /// The FCN's score_fr map on `input` `[1, 3, H, W]` (its own padding): `[1, K, h, w]`.
    static func scoreFr(_ network: FCNNetwork, _ input: Tensor) -> Tensor {
        network.head(network.stage3(network.stage2(network.stage1(network.padded(input)))))
    }

    /// Where score_fr cell i is centred on the padded input: 8i + 13.5, from the network's windows.
    static let scoreGeometry = (FCNNetwork.stage1Windows + FCNNetwork.stage2Windows + FCNNetwork.stage3Windows + FCNNetwork.headWindows)
        .reduce(ScoreMapGeometry.input) { $0.window(kernel: $1.0, stride: $1.1, padding: $1.2) }

    /// The image pixel whose classifier cell is score_fr cell `i` (per axis): the cell's centre,
    /// 8i + 13.5 - pad on the image, is half a pixel after it.
    static func pixel(ofCell i: Int, _ network: FCNNetwork) -> Int {
        Int(scoreGeometry.scale * Double(i) + scoreGeometry.offset - 0.5) - network.pad
    }

    /// The largest absolute difference of two tensors of one shape.
    static func largestDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    @Test func placement() throws {
        #expect(Self.scoreGeometry == ScoreMapGeometry(scale: 8, offset: 13.5))
        let classifier = PerPixelSegmenter.placement(.classifier), field = PerPixelSegmenter.placement(.receptiveField)
        #expect(classifier.side == 28 && classifier.origin == -13 && classifier.pool3Start == 0)
        #expect(field.side == 60 && field.origin == -29 && field.pool3Start == 2)
    }

    @Test func receptiveFieldWindowsGiveTheFCNsScoreFr() throws {
        let (path, network) = try Self.saved(.fcn32s)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let segmenter = try PerPixelSegmenter(weights: path, window: .receptiveField, batch: 5)
        let side = 96
        let input = Self.preprocessing.tensorAtNativeSize(for: Self.image(width: side, height: side))
        let scores = Self.scoreFr(network, input)
        let (k, cells) = (scores.shape[1], scores.shape[2])
        // Cell i's pixel is 8i + 13 - pad, its window starts at 8i - 16 - pad: keep the cells whose
        // 60 pixels are inside the image (the FCN pads feature maps at the image's edge, a window
        // there pads the image).
        let inside = (0..<cells).filter { i in
            let start = Self.pixel(ofCell: i, network) + segmenter.origin
            return start >= 0 && start + segmenter.side <= side
        }
        #expect(inside.count == 5)
        var worst: Float = 0
        for i in inside {
            for j in inside {
                let pixel = Self.pixel(ofCell: i, network) * side + Self.pixel(ofCell: j, network)
                let logits = segmenter.classify(segmenter.windows(of: input, pixels: pixel..<(pixel + 1)))
                for c in 0..<k { worst = max(worst, abs(logits[0, c] - scores[0, c, i, j])) }
            }
        }
        #expect(worst <= 1e-4, "per-pixel logits differ from score_fr by \(worst)")
    }

    @Test func classifierWindowIsTheConvolutionalisedClassifierOnThatWindowAlone() throws {
        let (path, network) = try Self.saved(.fcn32s)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let segmenter = try PerPixelSegmenter(weights: path, batch: 16)
        let (width, height) = (40, 33)
        let input = Self.preprocessing.tensorAtNativeSize(for: Self.image(width: width, height: height))
        let perPixel = segmenter.scores(of: Self.image(width: width, height: height))
        // Corners, edges and the middle: the window from p - 13 to p + 14, zeros outside the image,
        // through the FCN's own layers (a 1 x 1 score map).
        for (y, x) in [(0, 0), (0, 39), (32, 0), (32, 39), (5, 20), (16, 20), (13, 13), (20, 26)] {
            let window = Tensor(shape: [1, 3, 28, 28]) { index in
                let (c, r, q) = (index / 784, index / 28 % 28, index % 28)
                let (row, column) = (y - 13 + r, x - 13 + q)
                return row >= 0 && row < height && column >= 0 && column < width ? input[0, c, row, column] : 0
            }
            let expected = network.head(network.stage3(network.stage2(network.stage1(window))))
            #expect(expected.shape == [1, 3, 1, 1])
            for c in 0..<3 {
                #expect(abs(perPixel[0, c, y, x] - expected[0, c, 0, 0]) <= 1e-4, "pixel (\(x), \(y)) class \(c)")
            }
        }
        // Not the FCN's score_fr, even inside the image: the window's padding hides the context.
        let side = 96
        let big = Self.preprocessing.tensorAtNativeSize(for: Self.image(width: side, height: side))
        let scores = Self.scoreFr(network, big)
        var largest: Float = 0
        for i in 2...6 {
            let pixel = Self.pixel(ofCell: i, network) * side + Self.pixel(ofCell: i, network)
            let logits = segmenter.classify(segmenter.windows(of: big, pixels: pixel..<(pixel + 1)))
            for c in 0..<3 { largest = max(largest, abs(logits[0, c] - scores[0, c, i, i])) }
        }
        #expect(largest > 1e-2, "the 28-pixel window matched score_fr to \(largest)")
    }

    @Test(arguments: [FCNVariant.fcn16s, .fcn8s])
    func finerNetsAreRefusedNamingTheFile(_ variant: FCNVariant) throws {
        let (path, _) = try Self.saved(variant)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try PerPixelSegmenter(weights: path)
            Issue.record("\(variant.rawValue) weights were accepted")
        } catch let error as StageError {
            #expect(error.file == path)
            #expect(error.description.hasPrefix(path + ": ") && error.problem.contains("fcn-32s") && error.problem.contains(variant.rawValue))
        }
    }

    @Test(arguments: [(13, 9), (1, 1), (3, 21)])
    func labelMapHasTheImagesSize(_ size: (width: Int, height: Int)) throws {
        let (path, _) = try Self.saved(.fcn32s)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let segmenter = try PerPixelSegmenter(weights: path, batch: 10)
        let image = Self.image(width: size.width, height: size.height)
        let map = try segmenter.segment(StageInput(image: image))
        #expect(map.width == size.width && map.height == size.height)
        #expect(map == FCNSegmenter.argmax(segmenter.scores(of: image)))
        #expect(segmenter.categories == ["background", "one", "two"])
        // The batch size changes only how windows are grouped (and the rounding of fc1's GEMM).
        #expect(Self.largestDifference(try PerPixelSegmenter(weights: path, batch: 1).scores(of: image), segmenter.scores(of: image)) <= 1e-5)
    }
}
