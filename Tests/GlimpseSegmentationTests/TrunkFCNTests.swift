// The trunk-fcn segmenter: relu6's cell geometry against the trunk's own receptive fields, the
// interpolation from cells to pixels, and a head trained on the shipped Faster R-CNN trunk that
// learns coloured squares, saved, loaded with the detector file's identity (one shared pass)
// and refused by the `fcn` stage (and an FCN file by `trunk-fcn`), naming the file.

import Foundation
import GlimpseDetection
import GlimpseEvaluation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSegmentation
import GlimpseStages
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("trunk-fcn segmenter")
struct TrunkFCNTests {
    static let detectorFile = segmentationTestsRoot + "/datasets/weights/faster-rcnn-scenes.safetensors"

    @Test func cellCentresAreTheCentresOfTheTrunksReceptiveFields() {
        // All-positive weights and zero biases: a lit input pixel raises every relu6 cell that sees it,
        // so the lit cells span the receptive field around it, whose middle is the pixel.
        var trunk = FastRCNNNetwork.makeTrunk(featureLayer: "relu6", inputChannels: 1, seed: 3)
        trunk.updateParameters { name, value in
            value = name.hasSuffix("bias") ? Tensor(zeros: value.shape) : Tensor(shape: value.shape, scalars: value.scalars.map { abs($0) + 0.01 })
        }
        let side = 96
        var errors = [Float]()
        for p in 40..<48 {  // every phase of the 4 px stride
            var input = Tensor(zeros: [1, 1, side, side])
            input.withUnsafeMutableBufferPointer { $0[p * side + p] = 1 }
            let map = trunk(input)
            let (h, w) = (map.shape[2], map.shape[3])
            let lit = (0..<w).filter { j in (0..<h).contains { i in map.scalars[i * w + j] > 0 } }
            // the middle of the lit cells, in input coordinates, against the pixel's centre p + 0.5
            let middle = (TrunkFCNNetwork.cellCentre(lit.first!) + TrunkFCNNetwork.cellCentre(lit.last!)) / 2
            errors.append(middle - (Float(p) + 0.5))
        }
        // each middle lies on a 2 px grid; over the four phases they average out to the pixel
        // (a convention off by half a cell would be off by 2 here)
        #expect(errors.allSatisfy { abs($0) <= 2.5 }, "\(errors)")
        #expect(abs(errors.reduce(0, +) / Float(errors.count)) <= 0.75, "\(errors)")
    }

    @Test func labelMapInterpolatesTheCellScoresAtEachPixel() {
        // 2 classes on a 12x12 map of a 48 px input shown as a 24 px image: cell (5, 7) alone scores class 1.
        var scores = Tensor(zeros: [1, 2, 12, 12])
        scores.withUnsafeMutableBufferPointer { $0[144 + 5 * 12 + 7] = 1 }
        let map = TrunkFCNNetwork.labelMap(scores: scores, inputSize: 48, imageWidth: 24, imageHeight: 24)
        // cell 7's centre is input x 28 = image x 14; cell 5's is image y 10: the pixels around that point win
        #expect(map[13, 9] == 1 && map[14, 10] == 1 && map[13, 10] == 1 && map[14, 9] == 1)
        #expect(map[0, 0] == 0 && map[20, 20] == 0 && map[14, 16] == 0 && map[8, 10] == 0)
        // the label at each cell's centre, what a cell is trained on
        var truth = LabelMap(width: 24, height: 24)
        truth[14, 10] = 3
        let cells = TrunkFCNNetwork.cellLabels(truth, side: 12, inputSize: 48)
        #expect(cells[5 * 12 + 7] == 3 && cells.filter { $0 != 0 }.count == 1)
    }

    /// `count` gray images of 64 px with a red square of side 20 somewhere, the square labelled 1.
    static func squares(_ count: Int) -> SegmentationSet {
        let examples = (0..<count).map { i -> SegmentationExample in
            var pixels = [UInt8](repeating: 110, count: 64 * 64 * 3)
            var map = LabelMap(width: 64, height: 64)
            let (x0, y0) = (4 + (i * 13) % 36, 6 + (i * 29) % 34)
            for y in y0..<(y0 + 20) {
                for x in x0..<(x0 + 20) {
                    (pixels[(y * 64 + x) * 3], pixels[(y * 64 + x) * 3 + 1], pixels[(y * 64 + x) * 3 + 2]) = (220, 30, 30)
                    map[x, y] = 1
                }
            }
            return SegmentationExample(name: "square\(i)", image: Image(width: 64, height: 64, channels: 3, pixels: pixels), labelMap: map)
        }
        return SegmentationSet(classes: ["background", "square"], examples: examples, sourceName: "squares")
    }

    @Test func aHeadOnTheFasterRCNNTrunkLearnsSquaresAndSharesTheDetectorsPass() throws {
        let set = Self.squares(6)
        var config = SegmenterTrainingConfig()
        config.trunk = Self.detectorFile
        (config.hidden, config.epochs, config.imagesPerBatch, config.learningRate, config.schedule) = (16, 40, 3, 0.01, "constant")
        var run = try TrunkFCNTraining(config: config, training: set, validation: set)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-trunk-fcn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("trunk-fcn.safetensors")
        let (_, validation) = try run.run(checkpoint: directory.appendingPathComponent("c.ckpt"), resume: false, output: output)
        print("trunk-fcn on 6 squares, own masks: mIoU \(validation["mIoU"] ?? 0)")
        #expect((validation["mIoU"] ?? 0) >= 0.8)

        let segmenter = try TrunkFCNSegmenter(weights: output.path)
        let detector = try FasterRCNNDetector(weights: Self.detectorFile)
        #expect(segmenter.categories == ["background", "square"])
        #expect(segmenter.backboneRequirement?.backbone.identity == detector.backboneRequirement?.backbone.identity)
        // the trunk is an unchanged copy of the detector's
        #expect(segmenter.network.trunk.parameters == detector.network.trunk.parameters)
        // through the shared features or on its own: the same label map
        let image = set.examples[1].image
        let features = detector.backboneRequirement!.backbone.features(of: image, layers: ["relu6"])
        let shared = try segmenter.segment(StageInput(image: image, features: features))
        #expect(shared == segmenter.labelMap(of: image))
        var matrix = ConfusionMatrix(classCount: 2)
        matrix.add(groundTruth: set.examples[1].labelMap, prediction: shared)
        #expect((SegmentationMetrics(matrix).meanIoU ?? 0) >= 0.7)

        // each stage refuses the other's weights, naming the file
        #expect(throws: StageError.self) { try FCNSegmenter(weights: output.path) }
        do {
            _ = try FCNSegmenter(weights: output.path)
        } catch {
            #expect("\(error)".contains(output.path) && "\(error)".contains("trunk-fcn"))
        }
        let fcnFile = segmentationTestsRoot + "/datasets/weights/fcn8s-scenes.safetensors"
        do {
            _ = try TrunkFCNSegmenter(weights: fcnFile)
            Issue.record("an FCN file was read as trunk-fcn")
        } catch {
            #expect("\(error)".contains(fcnFile) && "\(error)".contains("not trunk-fcn"))
        }
        // a file that is no detector is refused as a trunk, naming it
        var bad = config
        bad.trunk = fcnFile
        #expect(throws: StageError.self) { _ = try TrunkFCNTraining(config: bad, training: set, validation: nil) }
    }
}
