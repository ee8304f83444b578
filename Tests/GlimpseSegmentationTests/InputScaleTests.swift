// InputScale: the exact-factor resampling (values by hand, crops that agree with the whole), an
// FCN segmenter with an input scale (its label map has the image's size, tiles give the whole
// pass's map at 1.5 and 2), the scale through the weights file (round trip; absent in files at
// scale 1, so the shipped files decode as before; a malformed or unaligned scale refused naming
// the file) and in training (the batch is the scaled image and its scaled label map).

import Foundation
import GlimpseEvaluation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
@testable import GlimpseSegmentation
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import Testing

@Suite("InputScale")
struct InputScaleTests {
    static let classes = ["bg", "a", "b", "c"]

    static func description(_ variant: FCNVariant = .fcn8s, inputScale: Double) -> SegmenterDescription {
        SegmenterDescription(variant: variant, classes: classes,
                             preprocessing: ImagePreprocessing(inputSize: 64, channelOrder: "RGB", mean: [120, 120, 120], std: [1, 1, 1], scale: 1 / 255),
                             inputScale: inputScale)
    }

    static func randomImage(width: Int, height: Int, seed: UInt64) -> Image {
        var random = SeededGenerator(seed: seed)
        return Image(width: width, height: height, channels: 3, pixels: (0..<(width * height * 3)).map { _ in UInt8(random.next() % 256) })
    }

    @Test func resamplingByTwoAndBackByHand() {
        let input = Tensor(shape: [1, 1, 2, 2], scalars: [0, 4, 8, 12])
        let up = InputScale.resample(input, height: 4, width: 4, factor: 2)
        // Output sample i reads (i + 0.5) / 2 - 0.5: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        #expect(up.scalars == [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12])
        // Back by 1/2: sample i reads 2i + 0.5, the mean of each 2x2 block.
        let down = InputScale.resample(up, height: 2, width: 2, factor: 0.5)
        #expect(down.scalars == [1.5, 4.5, 7.5, 10.5])
        #expect(InputScale.scaledSide(128, by: 1.5) == 192 && InputScale.scaledSide(131, by: 1.5) == 197)
        #expect(InputScale.alignment(for: 1, grid: 8) == 8 && InputScale.alignment(for: 2, grid: 8) == 8)
        #expect(InputScale.alignment(for: 1.5, grid: 8) == 16 && InputScale.alignment(for: 1.25, grid: 8) == 32)
        #expect(InputScale.alignment(for: 1.37, grid: 8) == nil)
    }

    @Test("a crop whose origin the factor makes whole resamples as the whole does", arguments: [1.5, 2.0, 0.5])
    func cropsAgreeWithTheWhole(_ factor: Double) {
        let whole = randomImages(1, 40, 48, seed: 3)
        let big = InputScale.resample(whole, height: InputScale.scaledSide(40, by: factor), width: InputScale.scaledSide(48, by: factor), factor: factor)
        let (top, left) = (16, 32)  // both times the factor are whole numbers
        let crop = Crop(top: top, left: left, height: 24, width: 16)(whole)
        let part = InputScale.resample(crop, height: InputScale.scaledSide(24, by: factor), width: InputScale.scaledSide(16, by: factor), factor: factor)
        let (bh, bw, ph, pw) = (big.shape[2], big.shape[3], part.shape[2], part.shape[3])
        let (oy, ox) = (Int(Double(top) * factor), Int(Double(left) * factor))
        // Away from the crop's own borders (clamped there, where the whole reads its neighbours),
        // every sample is the same (to rounding: the positions are computed from other origins).
        var compared = 0
        for y in 2..<(ph - 2) { for x in 2..<(pw - 2) where oy + y < bh && ox + x < bw {
            #expect(abs(part.scalars[y * pw + x] - big.scalars[(oy + y) * bw + ox + x]) <= 1e-6)
            compared += 1
        } }
        #expect(compared >= 30)
    }

    @Test("a scaled run's label map has the image's size", arguments: [1.5, 2.0])
    func labelMapHasTheImageSize(_ scale: Double) {
        let segmenter = FCNSegmenter(network: randomFCN(.fcn8s, classes: 4, seed: 8, scoreScale: 2), description: Self.description(inputScale: scale))
        let image = Self.randomImage(width: 75, height: 61, seed: 4)
        let map = segmenter.labelMap(of: image)
        #expect(map.width == 75 && map.height == 61)
        #expect(segmenter.scores(of: image).shape == [1, 4, 61, 75])
        // Not the unscaled map: the scale changes what the network sees.
        let plain = FCNSegmenter(network: randomFCN(.fcn8s, classes: 4, seed: 8, scoreScale: 2), description: Self.description(inputScale: 1))
        #expect(plain.labelMap(of: image) != map)
    }

    @Test("tiles give the label map of one whole pass at an input scale", arguments: [1.5, 2.0, 0.5])
    func tilingChangesNothingAtAScale(_ scale: Double) {
        let network = randomFCN(.fcn8s, classes: 4, seed: 8, scoreScale: 2)
        let image = Self.randomImage(width: 150, height: 131, seed: 21)
        let whole = FCNSegmenter(network: network, description: Self.description(inputScale: scale), tile: 512).labelMap(of: image)
        let tiledSegmenter = FCNSegmenter(network: network, description: Self.description(inputScale: scale), tile: 48)
        #expect(tiledSegmenter.imageTile < 150 && tiledSegmenter.imageTile % tiledSegmenter.alignment == 0)
        #expect(Double(tiledSegmenter.imageMargin) * scale >= Double(FCNSegmenter.margin))
        let tiled = tiledSegmenter.labelMap(of: image)
        #expect(whole.presentIDs.count > 1)
        #expect(tiled == whole)
    }

    @Test func atScaleOneTheTilesAreAsBefore() {
        let segmenter = FCNSegmenter(network: randomFCN(.fcn8s, classes: 4), description: Self.description(inputScale: 1), tile: 256)
        #expect(segmenter.imageTile == 256 && segmenter.imageMargin == 48 && segmenter.alignment == 8)
    }

    @Test func theScaleRoundTripsThroughTheWeightsFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-input-scale-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let network = randomFCN(.fcn8s, classes: 4, seed: 8, scoreScale: 2)
        try network.save(to: url, metadata: Self.description(inputScale: 1.5).metadata)
        let loaded = try FCNSegmenter(weights: url.path)
        #expect(loaded.description.inputScale == 1.5)
        #expect(try SafetensorsFile(contentsOf: url).metadata[SegmenterDescription.inputScaleKey] == "1.5")
        let image = Self.randomImage(width: 40, height: 36, seed: 2)
        #expect(loaded.labelMap(of: image) == FCNSegmenter(network: network, description: Self.description(inputScale: 1.5)).labelMap(of: image))
        // At scale 1 the key is not written.
        #expect(Self.description(inputScale: 1).metadata[SegmenterDescription.inputScaleKey] == nil)
    }

    @Test func theShippedFileDecodesAsBefore() throws {
        let path = segmentationTestsRoot + "/datasets/weights/fcn8s-scenes.safetensors"
        let metadata = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path)).metadata
        let description = try SegmenterDescription(metadata: metadata, file: path)
        // Its scale (1 without the key) is written back as it was, every key unchanged.
        #expect(description.inputScale == Double(metadata[SegmenterDescription.inputScaleKey] ?? "1"))
        #expect(description.metadata == metadata)
        // At scale 1 the scores are the network's own, no resampling.
        let segmenter = try FCNSegmenter(weights: path)
        if description.inputScale == 1 {
            let image = Self.randomImage(width: 64, height: 48, seed: 6)
            let direct = segmenter.network(description.preprocessing.tensorAtNativeSize(for: image))
            #expect(segmenter.scores(of: image).scalars == direct.scalars)
        }
    }

    @Test func aMalformedOrUnalignedScaleIsRefusedNamingTheFile() throws {
        let network = randomFCN(.fcn8s, classes: 4)
        for (text, cause) in [("abc", "preprocess.input_scale"), ("9", "preprocess.input_scale"), ("1.37", "input scale 1.37")] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-input-scale-\(UUID().uuidString).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            var metadata = Self.description(inputScale: 1).metadata
            metadata[SegmenterDescription.inputScaleKey] = text
            try network.save(to: url, metadata: metadata)
            #expect {
                _ = try FCNSegmenter(weights: url.path)
            } throws: { error in
                "\(error)".contains(url.path) && "\(error)".contains(cause)
            }
        }
    }

    @Test func theTrainingSettingsRefuseAnUnalignedScaleAndAScaleForTheTrunkHead() throws {
        var config = SegmenterTrainingConfig()
        config.inputScale = 1.5
        try config.validate()
        #expect(config.metadata["train.input_scale"] == "1.5")
        config.inputScale = 1.37
        #expect(throws: (any Error).self) { try config.validate() }
        (config.inputScale, config.trunk) = (1.5, "detector.safetensors")
        #expect(throws: (any Error).self) { try config.validate() }
        (config.inputScale, config.trunk) = (nil, nil)
        #expect(config.metadata["train.input_scale"] == nil)
    }

    @Test func aTrainingBatchIsTheScaledImageAndItsScaledLabelMap() {
        var random = SeededGenerator(seed: 1)
        let image = Self.randomImage(width: 64, height: 64, seed: 7)
        var map = LabelMap(width: 64, height: 64)
        for y in 10..<20 { for x in 30..<34 { map[x, y] = 2 } }
        let set = SegmentationSet(classes: Self.classes, examples: [SegmentationExample(name: "a", image: image, labelMap: map)], sourceName: "test")
        let preprocessing = Self.description(inputScale: 1).preprocessing
        var task = FCNTask(training: set, validation: set, preprocessing: preprocessing, inputScale: 1.5)
        let batch = task.makeBatch([0], random: &random)
        #expect(batch.images.shape == [1, 3, 96, 96] && batch.labels.count == 96 * 96)
        let input = preprocessing.tensorAtNativeSize(for: image)
        #expect(batch.images.scalars == InputScale.resample(input, height: 96, width: 96, factor: 1.5).scalars)
        #expect(batch.labels == map.resized(width: 96, height: 96).ids.map(Int.init))
        #expect(batch.labels.filter { $0 == 2 }.count == 15 * 6)
        // Validation scores the image at its own size.
        let matrix = task.confusion(randomFCN(.fcn8s, classes: 4), on: set)
        #expect(matrix.counts.reduce(0, +) == 64 * 64)
    }
}
