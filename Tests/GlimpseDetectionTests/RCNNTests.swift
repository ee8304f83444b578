// RCNNTests: the region CNN's batched warp + forward equals one region at a time; a weights
// file of another kind is refused naming the file; and a tiny end-to-end run (fine-tuning,
// SVMs with mining, regressors, weights file) on six generated scenes finds its own training
// objects, through the weights file it wrote.

import Foundation
import GlimpseDatasets
import GlimpseDetection
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import Testing

/// The repository root, found from this file's location.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

@Suite("R-CNN")
struct RCNNTests {
    static let preprocessing = ImagePreprocessing(inputSize: 28, channelOrder: "RGB", mean: [0, 0, 0], std: [1, 1, 1], scale: 1 / 255)

    @Test func batchedRegionsEqualOneAtATime() {
        var random = SeededGenerator(seed: 2)
        let image = Image(width: 50, height: 40, channels: 3, pixels: (0..<6000).map { _ in UInt8(random.nextIndex(below: 256)) })
        let boxes = [BoundingBox(x0: 0, y0: 0, x1: 50, y1: 40), BoundingBox(x0: 10, y0: 5, x1: 20, y1: 30),
                     BoundingBox(x0: 40, y0: 30, x1: 50, y1: 40), BoundingBox(x0: 3.5, y0: 7.2, x1: 9.1, y1: 11),
                     BoundingBox(x0: 20, y0: 20, x1: 45, y1: 39), BoundingBox(x0: 0, y0: 12, x1: 30, y1: 14)]
        let network = RCNNNetwork(slots: 4, seed: 7)
        let batched = network.outputs(image, boxes: boxes, preprocessing: Self.preprocessing, batch: 4)
        #expect(batched.fc1.shape == [6, 50] && batched.pool3.shape == [6, 1024] && batched.probabilities.shape == [6, 4])
        for (i, box) in boxes.enumerated() {
            let input = RCNNNetwork.warp.tensor(image, box: box, preprocessing: Self.preprocessing)
            let single = network.outputs(input)
            for (name, a, b) in [("fc1", batched.fc1, single.fc1), ("pool3", batched.pool3, single.pool3),
                                 ("softmax", batched.probabilities, single.probabilities)] {
                let width = b.shape[1]
                let row = Array(a.scalars[i * width..<(i + 1) * width])
                let difference = zip(row, b.scalars).map { abs($0 - $1) }.max()!
                #expect(difference < 1e-4, "\(name) of box \(i) differs by \(difference)")
            }
        }
        // The logits are the softmax's input.
        let logits = network(RCNNNetwork.regions(image, boxes: boxes, preprocessing: Self.preprocessing))
        #expect(logits.shape == [6, 4])
    }

    @Test func refusesWeightsOfAnotherKind() throws {
        let mnist = repositoryRoot + "/datasets/weights/deepconvnet-mnist.safetensors"
        #expect {
            _ = try RCNNDetector(weights: mnist)
        } throws: { error in
            let e = error as? StageError
            return e?.file == mnist && e!.problem.contains("not a Glimpse detector weights file")
        }
        // A Fast R-CNN detector's file: the metadata says so.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rcnn-test-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: path) }
        let description = DetectorDescription(method: "fast-rcnn", categories: ["a"], categoryIDs: [1], preprocessing: Self.preprocessing,
                                              proposals: "", boxStds: BoxCoder.fastRCNN.stds)
        try SafetensorsFile.write(["cls_score.weight": Tensor(zeros: [2, 50])], metadata: description.metadata, to: path)
        #expect {
            _ = try RCNNDetector(weights: path.path)
        } throws: { error in
            let e = error as? StageError
            return e?.file == path.path && e!.problem.contains("holds a fast-rcnn detector, not rcnn")
        }
        // An rcnn file without the SVMs.
        let rcnn = DetectorDescription(method: "rcnn", categories: ["a"], categoryIDs: [1], preprocessing: Self.preprocessing,
                                       proposals: "", boxStds: BoxCoder.raw.stds)
        try RCNNNetwork(slots: 2, seed: 1).save(to: path, metadata: rcnn.metadata)
        #expect {
            _ = try RCNNDetector(weights: path.path)
        } throws: { error in (error as? StageError)?.file == path.path && "\(error)".contains("svm") }
        #expect(throws: StageError.self) { _ = try RCNNDetector(weights: "/nonexistent/rcnn.safetensors") }
    }

    /// Six 64 px scenes as a labelled source.
    struct Scenes: LabelledImageSource {
        let scenes: [Scene]
        var count: Int { scenes.count }
        var classNames: [String] { SceneGenerator.classNames }
        func item(at index: Int) throws(DatasetError) -> LabelledImage {
            LabelledImage(name: "\(index).png", image: scenes[index].image, boxes: scenes[index].objects.map(\.box))
        }
    }

    /// Proposes nothing (the test sets its proposals itself).
    struct NoProposals: RegionProposer {
        static let conformanceName = "none"
        func propose(_ input: StageInput) throws -> [BoundingBox] { [] }
    }

    /// Six 64 px scenes loaded as a detection set; proposals are the objects' boxes jittered
    /// (some foreground, some not) and random boxes, drawn from a seed (selective search is
    /// another module's job).
    static func scenes() throws -> DetectionSet {
        let generator = try SceneGenerator(mnistDirectory: repositoryRoot + "/datasets/mnist", texturesDirectory: repositoryRoot + "/datasets/textures",
                                           size: 64, maxObjects: 2, minDigitSide: 20, maxDigitSide: 32)
        let source = Scenes(scenes: (0..<6).map { generator.scene(seed: 3, split: .train, index: $0) })
        var set = try DetectionSet.load(source: source, sourceName: "scenes", indices: Array(0..<6), proposer: NoProposals())
        var random = SeededGenerator(seed: 4)
        for index in set.examples.indices {
            var proposals = [BoundingBox]()
            for box in set.examples[index].boxes {
                for _ in 0..<10 {
                    let (w, h) = (box.width, box.height)
                    let j = { (s: Float) in s * 0.35 * (random.nextUniform() - 0.5) }
                    proposals.append(BoundingBox(x0: box.x0 + j(w), y0: box.y0 + j(h), x1: box.x1 + j(w), y1: box.y1 + j(h)))
                }
            }
            for _ in 0..<40 {
                let (x, y) = (random.nextUniform() * 50, random.nextUniform() * 50)
                proposals.append(BoundingBox(x0: x, y0: y, x1: min(64, x + 8 + random.nextUniform() * 30), y1: min(64, y + 8 + random.nextUniform() * 30)))
            }
            random.shuffle(&proposals)
            set.examples[index].proposals = proposals
        }
        return set
    }

    @Test func tinyEndToEndRunFindsItsTrainingObjects() throws {
        let set = try Self.scenes()
        var config = DetectorTrainingConfig()
        config.method = "rcnn"
        config.pretrained = repositoryRoot + "/datasets/weights/deepconvnet-mnist.safetensors"
        (config.epochs, config.warmupEpochs, config.learningRate, config.schedule) = (3, 0, 0.01, "constant")
        var settings = RCNNSettings()
        (settings.batchesPerEpoch, settings.miningRounds, settings.initialNegatives) = (12, 3, 100)
        var run = try RCNNTraining(config: config, settings: settings, training: set, validation: set)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rcnn-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("rcnn.safetensors")
        let outcome = try run.run(checkpoint: folder.appendingPathComponent("rcnn.checkpoint.safetensors"), resume: false, output: output)
        #expect(outcome.record.history.count == 3)
        let svm = try #require(outcome.validation["svm+reg"])
        #expect(svm["AP50"]! >= 0.6, "AP50 on its own training images: \(svm)")
        #expect(outcome.mining.count == 10)

        // The weights file gives the same detections as the run's own validation.
        let detector = try RCNNDetector(weights: output.path, postprocessing: DetectionPostprocessing(scoreThreshold: -.infinity))
        #expect(detector.categories == set.categories && detector.categoryIDs == Array(1...10) && detector.needsProposals)
        let reloaded = DetectionValidation.evaluate(set) { detector.detect($0.image, proposals: $0.proposals) }
        #expect(abs(reloaded["AP50"]! - svm["AP50"]!) < 1e-9 && abs(reloaded["AP"]! - svm["AP"]!) < 1e-9)
        let found = try detector.detect(StageInput(image: set.examples[0].image, proposals: set.examples[0].proposals))
        #expect(!found.isEmpty && found.allSatisfy { $0.score != nil && (0..<10).contains($0.label) })
    }
}
