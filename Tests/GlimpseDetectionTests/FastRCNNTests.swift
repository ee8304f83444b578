// Fast R-CNN: the whole network's pullback against central differences, RoI coordinates, the
// weights file's description and its errors, box validation, images without objects, and a
// tiny end-to-end run that must find its own training objects.

import Foundation
@testable import GlimpseDetection
import GlimpseDatasets
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import GlimpseTraining
import Testing

/// The repository root (for datasets/).
let detectionTestsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

/// Scenes of 64 px with 1-2 digits, from the shipped MNIST sample and textures (nil without them).
let smallSceneGenerator: SceneGenerator? = try? SceneGenerator(
    mnistDirectory: detectionTestsRoot + "/datasets/mnist", texturesDirectory: detectionTestsRoot + "/datasets/textures",
    size: 64, maxObjects: 2, minDigitSide: 24, maxDigitSide: 40)

/// A detection set of `count` generated scenes whose proposals are the true boxes jittered
/// (some foreground, some not) plus random boxes, drawn from `seed`.
func syntheticDetectionSet(count: Int, seed: UInt64) throws -> DetectionSet {
    let generator = try #require(smallSceneGenerator)
    var random = SeededGenerator(seed: seed)
    var examples = [DetectionExample]()
    for i in 0..<count {
        let scene = generator.scene(seed: seed, split: .train, index: i)
        let boxes = scene.objects.map { object -> BoundingBox in var box = object.box; box.label = object.digit + 1; return box }
        var proposals = [BoundingBox]()
        for box in boxes {
            for _ in 0..<12 {
                let (w, h) = (box.x1 - box.x0, box.y1 - box.y0)
                let dx = (random.nextUniform() - 0.5) * 0.5 * w, dy = (random.nextUniform() - 0.5) * 0.5 * h
                proposals.append(BoundingBox(x0: box.x0 + dx, y0: box.y0 + dy, x1: box.x1 + dx, y1: box.y1 + dy).clipped(width: 64, height: 64))
            }
        }
        for _ in 0..<24 {
            let x = random.nextUniform() * 48, y = random.nextUniform() * 48
            proposals.append(BoundingBox(x0: x, y0: y, x1: x + 8 + random.nextUniform() * 8, y1: y + 8 + random.nextUniform() * 8))
        }
        examples.append(DetectionExample(name: "scene\(i).png", image: scene.image, boxes: boxes, proposals: proposals))
    }
    return DetectionSet(examples: examples, categoryIDs: Array(1...10), categories: (0...9).map(String.init))
}

@Suite("Fast R-CNN")
struct FastRCNNTests {
    /// L = sum(scores * A) + sum(deltas * B) for fixed A, B, in Double, from a fixed dropout mask.
    static func projectedLoss(_ network: FastRCNNNetwork, images: Tensor, rois: Tensor, a: Tensor, b: Tensor) -> Double {
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 5))
        let (scores, deltas, _) = copy.forward(images: images, rois: rois, context: &context)
        var total: Double = 0
        for i in 0..<scores.count { total += Double(scores.scalars[i]) * Double(a.scalars[i]) }
        for i in 0..<deltas.count { total += Double(deltas.scalars[i]) * Double(b.scalars[i]) }
        return total
    }

    @Test(arguments: ["pool3", "relu6"])
    func wholeNetworkGradientMatchesCentralDifferences(featureLayer: String) {
        var random = SeededGenerator(seed: 11)
        let network = FastRCNNNetwork(slots: 3, inputSize: 32, hidden: 8, featureLayer: featureLayer, seed: 2)
        // 32 -> 16 -> 18 -> 9 cells (relu6) -> 4 cells (pool3)
        #expect(network.roiPool.spatialScale == (featureLayer == "pool3" ? 4.0 : 9.0) / 32.0)
        #expect(network.trunk.layers.last?.name == featureLayer && network.featureLayer == featureLayer)
        let images = Tensor(shape: [2, 3, 32, 32]) { _ in random.nextUniform() }
        let rois = Tensor(shape: [3, 5], scalars: [0, 0, 0, 31, 31, 1, 4, 8, 20, 27, 0, 10, 2, 17, 30])
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 5))
        let (scores, deltas, pullback) = copy.forward(images: images, rois: rois, context: &context)
        #expect(scores.shape == [3, 3] && deltas.shape == [3, 12])
        let a = Tensor(shape: scores.shape) { _ in random.nextNormal() }
        let b = Tensor(shape: deltas.shape) { _ in random.nextNormal() }
        var gradients = Gradients()
        pullback(a, b, &gradients)
        let epsilon: Float = 2e-3
        for name in ["conv1.weight", "conv3.bias", "conv6.weight", "fc1.weight", "cls_score.weight", "bbox_pred.bias"] {
            let analytic = try! #require(gradients[name]).scalars
            var numeric = [Double](), checked = [Double]()
            let count = analytic.count
            func centralDifference(_ index: Int, _ step: Float) -> Double {
                var plus = network, minus = network
                plus.updateParameters { n, p in if n == name { p.withUnsafeMutableBufferPointer { $0[index] += step } } }
                minus.updateParameters { n, p in if n == name { p.withUnsafeMutableBufferPointer { $0[index] -= step } } }
                return (Self.projectedLoss(plus, images: images, rois: rois, a: a, b: b)
                    - Self.projectedLoss(minus, images: images, rois: rois, a: a, b: b)) / Double(2 * step)
            }
            var skipped = 0
            for k in 0..<min(count, 24) {
                let index = (k * 7919) % count
                let difference = centralDifference(index, epsilon)
                // A difference that changes with the step straddles a ReLU or max switch (a
                // kink, where the loss has no derivative): such an entry is not evidence.
                if name.hasPrefix("conv"), abs(difference - centralDifference(index, epsilon / 2)) > 0.1 * max(abs(difference), 1e-3) {
                    skipped += 1
                    continue
                }
                numeric.append(difference)
                checked.append(Double(analytic[index]))
            }
            // Which entries straddle a kink depends on rounding, so on the BLAS kernel (5 of 16 of
            // conv3.bias with OpenBLAS's Cooperlake kernels, 4 with Haswell's): the bar is that at
            // least two thirds of the sampled entries are evidence, not a fixed count.
            #expect(skipped * 3 <= min(count, 24), "\(name): \(skipped) of \(min(count, 24)) sampled entries straddle a kink")
            let difference = zip(numeric, checked).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = numeric.map { $0 * $0 }.reduce(0, +).squareRoot() + checked.map { $0 * $0 }.reduce(0, +).squareRoot()
            // The trunk's gradients pass several ReLU, max-pool and RoI-max kinks, where a
            // finite difference straddling a switch is off: a looser bar for them.
            let tolerance = name.hasPrefix("conv") ? 5e-2 : 1e-2
            #expect(difference / max(scale, 1e-12) < tolerance, "\(name): relative error \(difference / max(scale, 1e-12)) \(zip(numeric, checked).map { String(format: "%.4f/%.4f", $0, $1) })")
        }
        // A frozen trunk gets no gradient and the rest the same ones.
        var frozen = Gradients(frozenPrefixes: ["conv"])
        var again = network
        var context2 = ForwardContext(random: SeededGenerator(seed: 5))
        let (_, _, pullback2) = again.forward(images: images, rois: rois, context: &context2)
        pullback2(a, b, &frozen)
        #expect(frozen["conv1.weight"] == nil && frozen["conv6.weight"] == nil)
        #expect(frozen["fc1.weight"] == gradients["fc1.weight"] && frozen["cls_score.weight"] == gradients["cls_score.weight"])
    }

    @Test func roisAreInputPixelsWithInclusiveCorners() {
        let rois = FastRCNNDetector.rois([BoundingBox(x0: 10, y0: 20, x1: 50, y1: 40)], imageWidth: 256, imageHeight: 128,
                                         inputSize: 128, batchIndex: 1)
        // x scaled by 0.5, y by 1; the exclusive right and bottom edges become the last pixel inside.
        #expect(rois.scalars == [1, 5, 20, 24, 39])
    }

    @Test func pretrainedGrayTrunkIsInflatedToColour() throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: detectionTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"))
        var network = FastRCNNNetwork(slots: 11, inputSize: 128, seed: 1)
        let loaded = try network.loadPretrained(try file.tensors(), source: "deepconvnet-mnist.safetensors")
        #expect(loaded.contains("conv1.weight") && loaded.contains("conv6.bias") && loaded.contains("fc1.weight"))
        #expect(!loaded.contains { $0.hasPrefix("fc2") || $0.hasPrefix("cls_score") })
        // On a gray image the colour trunk computes what the gray MNIST trunk computes.
        var gray = DeepConvNet.make(classes: 10, seed: 0)
        try gray.load(from: file)
        var random = SeededGenerator(seed: 4)
        let pixels = (0..<(28 * 28)).map { _ in Float(random.next() % 256) / 255 }
        let grayOut = gray(Tensor(shape: [1, 1, 28, 28], scalars: pixels), through: "pool3")
        let colour = network.trunk(Tensor(shape: [1, 3, 28, 28], scalars: pixels + pixels + pixels))
        let worst = zip(grayOut.scalars, colour.scalars).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-3, "colour trunk differs from the gray one by \(worst)")
    }

    @Test func classifierRowsTransferOnlyThroughTheirOwnFc1Width() throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: detectionTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"))
        let tensors = try file.tensors()
        var narrow = FastRCNNNetwork(slots: 3, inputSize: 64, hidden: 50, seed: 1)
        // Slot 1 scores digit 7, slot 2 digit 2: their rows of fc2.
        let loaded = try narrow.loadPretrained(tensors, source: "m", classRows: [1: 7, 2: 2])
        #expect(loaded.contains("cls_score.weight") && loaded.contains("fc1.weight"))
        let fc2 = tensors["fc2.weight"]!.scalars, own = narrow.classifier.weight.scalars
        #expect(Array(own[50..<100]) == Array(fc2[(7 * 50)..<(8 * 50)]) && Array(own[100..<150]) == Array(fc2[100..<150]))
        #expect(narrow.classifier.bias!.scalars[1] == tensors["fc2.bias"]!.scalars[7])
        // A wider fc1 starts fresh, and the classifier rows (which read fc1's 50 units) cannot transfer.
        var wide = FastRCNNNetwork(slots: 3, inputSize: 64, hidden: 256, seed: 1)
        let wideLoaded = try wide.loadPretrained(tensors, source: "m", classRows: [1: 7, 2: 2])
        #expect(!wideLoaded.contains { $0.hasPrefix("fc1") || $0.hasPrefix("cls_score") } && wideLoaded.contains("conv6.weight"))
    }

    @Test func descriptionRoundTripsAndNamesTheFileOnErrors() throws {
        let description = DetectorDescription(
            method: "fast-rcnn", categories: ["person", "bottle"], categoryIDs: [1, 5],
            preprocessing: FastRCNNTraining.preprocessing(inputSize: 128), proposals: "selective-search mode=fast max=2000",
            boxStds: BoxCoder.fastRCNN.stds, extra: ["train.epochs": "3"])
        let back = try DetectorDescription(metadata: description.metadata, file: "x.safetensors")
        #expect(back == description)
        #expect(throws: StageError.self) { try DetectorDescription(metadata: description.metadata, file: "x", expecting: "rcnn") }
        // A classifier's weights file is refused, naming the file.
        let mnist = detectionTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"
        do {
            _ = try FastRCNNDetector(weights: mnist)
            Issue.record("a DeepConvNet classifier file loaded as a detector")
        } catch let error as StageError {
            #expect(error.file == mnist && error.problem.contains("not a Glimpse detector weights file"))
        }
        do {
            _ = try FastRCNNDetector(weights: "/nonexistent/detector.safetensors")
            Issue.record("a missing file loaded")
        } catch let error as StageError {
            #expect(error.file == "/nonexistent/detector.safetensors")
        }
    }

    @Test func weightsWhoseClassListDoesNotFitTheNetworkAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-frcnn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let network = FastRCNNNetwork(slots: 11, inputSize: 64, seed: 1)
        let three = DetectorDescription(method: "fast-rcnn", categories: ["a", "b", "c"], categoryIDs: [1, 2, 3],
                                        preprocessing: FastRCNNTraining.preprocessing(inputSize: 64), proposals: "",
                                        boxStds: BoxCoder.fastRCNN.stds)
        let path = folder.appendingPathComponent("w.safetensors")
        try network.save(to: path, metadata: three.metadata)
        do {
            _ = try FastRCNNDetector(weights: path.path)
            Issue.record("11 class slots loaded with 3 class names")
        } catch let error as StageError {
            #expect(error.file == path.path && error.problem.contains("11 class slots"), "\(error)")
        }
        // The same network with its own class list loads and detects with it.
        var ten = three
        (ten.categories, ten.categoryIDs) = ((0...9).map(String.init), Array(1...10))
        try network.save(to: path, metadata: ten.metadata)
        let detector = try FastRCNNDetector(weights: path.path)
        #expect(detector.categories.count == 10 && detector.needsProposals)
    }

    @Test func theFeatureLayerComesFromTheWeightsFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-frcnn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let description = DetectorDescription(method: "fast-rcnn", categories: ["a", "b"], categoryIDs: [1, 2],
                                              preprocessing: FastRCNNTraining.preprocessing(inputSize: 64), proposals: "",
                                              boxStds: BoxCoder.fastRCNN.stds)
        let path = folder.appendingPathComponent("w.safetensors")
        try FastRCNNNetwork(slots: 3, inputSize: 64, featureLayer: "relu6", seed: 1)
            .save(to: path, metadata: description.metadata.merging(["train.feature_layer": "relu6"]) { $1 })
        let detector = try FastRCNNDetector(weights: path.path)
        #expect(detector.network.featureLayer == "relu6" && detector.backboneRequirement?.layers == ["relu6"])
        #expect(detector.network.roiPool.spatialScale == 17.0 / 64.0)  // 64 -> 32 -> 34 -> 17 cells
        try FastRCNNNetwork(slots: 3, inputSize: 64, seed: 1)
            .save(to: path, metadata: description.metadata.merging(["train.feature_layer": "pool9"]) { $1 })
        #expect { try FastRCNNDetector(weights: path.path) } throws: { error in
            (error as? StageError).map { $0.file == path.path && $0.problem.contains("pool9") } ?? false
        }
    }

    @Test func badBoxesAreRefusedNamingTheImage() {
        let image = Image(width: 40, height: 30, fill: [0, 0, 0])
        let known: Set<Int> = [1, 2]
        let cases: [(BoundingBox, String)] = [
            (BoundingBox(x0: 10, y0: 5, x1: 4, y1: 20, label: 1), "flipped"),
            (BoundingBox(x0: 10, y0: 5, x1: 10.5, y1: 20, label: 1), "degenerate"),
            (BoundingBox(x0: 10, y0: 5, x1: 60, y1: 20, label: 1), "leaves the 40x30 image"),
            (BoundingBox(x0: 10, y0: 5, x1: 20, y1: 20, label: 7), "not one of the source's classes"),
            (BoundingBox(x0: .nan, y0: 5, x1: 20, y1: 20, label: 1), "non-finite"),
        ]
        for (box, cause) in cases {
            do {
                try DetectionSet.validate(box, index: 3, image: image, file: "a/b.jpg", known: known)
                Issue.record("accepted a \(cause) box")
            } catch let error as DatasetError {
                #expect(error.file == "a/b.jpg" && error.record == "object 3" && error.detail.contains(cause), "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(throws: Never.self) {
            try DetectionSet.validate(BoundingBox(x0: 0, y0: 0, x1: 40, y1: 30, label: 2), index: 0, image: image, file: "ok", known: known)
        }
    }

    @Test func trainsOnImagesWithAndWithoutObjectsAndFindsItsTrainingObjects() throws {
        var set = try syntheticDetectionSet(count: 6, seed: 3)
        // An image without objects: all of its RoIs are background, nothing crashes.
        set.examples.append(DetectionExample(name: "empty.png", image: Image(width: 64, height: 64, fill: [90, 120, 60]), boxes: [],
                                             proposals: [BoundingBox(x0: 4, y0: 4, x1: 30, y1: 30)]))
        var config = DetectorTrainingConfig()
        (config.inputSize, config.epochs, config.imagesPerBatch, config.roisPerImage) = (64, 60, 2, 32)
        (config.learningRate, config.schedule, config.warmupEpochs) = (0.003, "constant", 0)
        config.optimizer = OptimizerChoice(.adam)
        (config.hidden, config.dropout) = (50, 0.5)
        config.pretrained = detectionTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"
        var run = try FastRCNNTraining(config: config, training: set, validation: set)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-frcnn-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("d.safetensors")
        try run.run(checkpoint: folder.appendingPathComponent("d.checkpoint.safetensors"), resume: false, output: weights)
        let detector = try FastRCNNDetector(weights: weights.path)
        #expect(detector.categories == set.categories && detector.categoryIDs == set.categoryIDs)
        let scores = DetectionValidation.evaluate(set) { detector.detect($0.image, proposals: $0.proposals) }
        #expect(scores["AP50"]! >= 0.9, "AP50 on its own training images: \(scores)")
        let file = try SafetensorsFile(contentsOf: weights)
        #expect(file.metadata["validation.AP50"] != nil && file.metadata["train.method"] == "fast-rcnn")
    }
}
