// The region proposal network: anchors and their labelling rules, the network's gradients by
// central differences through the loss, the test-time selection (decode, clip, tiny boxes,
// NMS, top N), a tiny training run that must raise recall, exact resume, and bad input
// (weights of the wrong kind, anchors that do not fit, a 1x1 image, a 20000x20000 image).

import Foundation
@testable import GlimpseDetection
import GlimpseImaging
import GlimpseNN
import GlimpseOptim
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import GlimpseTestSupport
import GlimpseTraining
import Testing

@Suite("Region proposal network")
struct RPNTests {
    static func box(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, label: Int = 1) -> BoundingBox {
        BoundingBox(x0: x0, y0: y0, x1: x1, y1: y1, label: label)
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-rpn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small untrained RPN weights file (32 px input, 2 anchors) with `anchors` and `featureSize` in its metadata.
    static func writeWeights(to url: URL, anchors: AnchorGrid = AnchorGrid(sizes: [8], ratios: [1, 2]), featureSize: Int? = nil) throws {
        let network = RPNNetwork(anchorsPerPosition: 2, inputSize: 32, hidden: 4, seed: 3)
        let description = RPNDescription(anchors: anchors, featureLayer: "relu6", featureSize: featureSize ?? network.featureSize,
                                         preprocessing: FastRCNNTraining.preprocessing(inputSize: 32))
        try network.save(to: url, metadata: description.metadata)
    }

    // MARK: anchors

    @Test func anchorsCoverEveryCellRatioMajorInInputPixels() {
        let grid = AnchorGrid(sizes: [4, 8], ratios: [1, 4])
        #expect(grid.perPosition == 4)
        #expect(grid.shapes.map { [$0.width, $0.height] } == [[4, 4], [8, 8], [2, 8], [4, 16]])
        let anchors = grid.anchors(featureHeight: 2, featureWidth: 3, inputSize: 12)
        #expect(anchors.count == 2 * 3 * 4)
        // Cell (y 1, x 2) of a 2x3 map on 12 px: centre (10, 9); anchor 1 of it is 8 x 8.
        #expect(anchors[(1 * 3 + 2) * 4 + 1] == Self.box(6, 5, 14, 13, label: 0))
        #expect(anchors[0] == Self.box(0, 1, 4, 5, label: 0))
        let round = try? AnchorGrid(metadata: grid.metadata, file: "w.safetensors")
        #expect(round == grid)
    }

    // MARK: labelling and sampling

    @Test func anchorsAreLabelledByThresholdsAndEachObjectsBestAnchorsTiesIncluded() {
        let truth = [Self.box(0, 0, 10, 10), Self.box(100, 0, 120, 20), Self.box(300, 300, 310, 310)]
        let anchors = [
            Self.box(0, 0, 10, 10),      // IoU 1 with object 0: positive
            Self.box(0, 0, 10, 5),       // 0.5: ignored
            Self.box(0, 0, 10, 2),       // 0.2: negative
            Self.box(50, 50, 60, 60),    // 0: negative
            Self.box(100, 0, 120, 10),   // 0.5 with object 1, its best (tied): positive
            Self.box(100, 10, 120, 20),  // 0.5, the other tied best: positive
            Self.box(100, 0, 120, 8),    // 0.4: ignored
        ]
        let labels = AnchorSampler().label(anchors: anchors, groundTruth: truth)
        #expect(labels.map(\.label) == [1, -1, 0, 0, 1, 1, -1])
        #expect(labels[0].groundTruthIndex == 0 && labels[4].groundTruthIndex == 1 && labels[5].groundTruthIndex == 1)
        #expect(abs(labels[1].iou - 0.5) < 1e-12)
        // Object 2 touches no anchor: it makes no positive (a best IoU of 0 is no match).
        #expect(labels.filter { $0.label == 1 }.count == 3)
        // Without objects every anchor is negative.
        #expect(AnchorSampler().label(anchors: anchors, groundTruth: []).allSatisfy { $0.label == 0 && $0.groundTruthIndex == nil })
    }

    @Test func aBatchHoldsAtMostHalfPositivesAndFillsWithNegatives() {
        func labels(positives: Int, negatives: Int, ignored: Int) -> [AnchorLabel] {
            Array(repeating: AnchorLabel(label: 1, groundTruthIndex: 0, iou: 0.8), count: positives)
                + Array(repeating: AnchorLabel(label: 0, groundTruthIndex: 0, iou: 0.1), count: negatives)
                + Array(repeating: AnchorLabel(label: -1, groundTruthIndex: 0, iou: 0.5), count: ignored)
        }
        let sampler = AnchorSampler()
        var random = SeededGenerator(seed: 4)
        let many = labels(positives: 300, negatives: 1000, ignored: 50)
        let (p, n) = sampler.sample(many, random: &random)
        #expect(p.count == 128 && n.count == 128)
        #expect(p.allSatisfy { many[$0].label == 1 } && n.allSatisfy { many[$0].label == 0 })
        #expect(Set(p).count == p.count && Set(n).count == n.count)
        let few = labels(positives: 10, negatives: 1000, ignored: 0)
        let (p2, n2) = sampler.sample(few, random: &random)
        #expect(p2.count == 10 && n2.count == 246)
        let scarce = labels(positives: 2, negatives: 5, ignored: 9)
        let (p3, n3) = sampler.sample(scarce, random: &random)
        #expect(p3.count == 2 && n3.count == 5)
        // The draw is a function of the generator's state.
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        #expect(sampler.sample(many, random: &a) == sampler.sample(many, random: &b))
    }

    // MARK: gradients

    /// Two 32 px images with objects and the task that labels their anchors.
    static func gradientTask() -> (RPNTask, RPNTask.Batch) {
        var random = SeededGenerator(seed: 21)
        let images = (0..<2).map { _ in Image(width: 32, height: 32, channels: 3, pixels: (0..<(32 * 32 * 3)).map { _ in UInt8(random.next() % 256) }) }
        let examples = [
            DetectionExample(name: "a", image: images[0], boxes: [box(4, 4, 14, 18), box(18, 10, 30, 30)], proposals: []),
            DetectionExample(name: "b", image: images[1], boxes: [box(10, 2, 20, 22)], proposals: []),
        ]
        let set = DetectionSet(examples: examples, categoryIDs: [1], categories: ["thing"])
        var task = RPNTask(training: set, validation: nil, grid: AnchorGrid(sizes: [8, 14], ratios: [1, 2]),
                           sampler: AnchorSampler(batchSize: 24), preprocessing: FastRCNNTraining.preprocessing(inputSize: 32, mean: [100, 100, 100]),
                           featureSize: 9)
        var draw = SeededGenerator(seed: 5)
        let batch = task.makeBatch([0, 1], random: &draw)
        return (task, batch)
    }

    static func loss(_ network: RPNNetwork, task: RPNTask, batch: RPNTask.Batch) -> Double {
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 5))
        let (logits, deltas, _) = copy.forward(images: batch.images, context: &context)
        let (objectness, box, _, _) = task.loss(logits: logits, deltas: deltas, batch: batch)
        return Double(objectness) + Double(box)
    }

    @Test func theLossGradientMatchesCentralDifferences() throws {
        let (task, batch) = Self.gradientTask()
        #expect(batch.positives >= 3 && batch.sampled == 48, "\(batch.positives) positives of \(batch.sampled)")
        var network = RPNNetwork(anchorsPerPosition: 4, inputSize: 32, hidden: 6, seed: 2)
        #expect(network.featureSize == 9)
        // Larger outputs than the 0.01 initialisation, so the box loss leaves its quadratic zone.
        network.updateParameters { name, p in if name.hasPrefix("rpn_") { p.scale(by: 20) } }
        var copy = network
        var context = ForwardContext(random: SeededGenerator(seed: 5))
        let (logits, deltas, pullback) = copy.forward(images: batch.images, context: &context)
        #expect(logits.shape == [2, 4, 9, 9] && deltas.shape == [2, 16, 9, 9])
        let (_, box, dLogits, dDeltas) = task.loss(logits: logits, deltas: deltas, batch: batch)
        #expect(box > 0)
        var gradients = Gradients()
        pullback(dLogits, dDeltas, &gradients)
        let epsilon: Float = 1e-3
        for name in ["conv1.weight", "conv6.weight", "conv6.bias", "rpn_conv.weight", "rpn_conv.bias", "rpn_cls_score.weight",
                     "rpn_cls_score.bias", "rpn_bbox_pred.weight", "rpn_bbox_pred.bias"] {
            let analytic = try #require(gradients[name]).scalars
            func centralDifference(_ index: Int, _ step: Float) -> Double {
                var plus = network, minus = network
                plus.updateParameters { n, p in if n == name { p.withUnsafeMutableBufferPointer { $0[index] += step } } }
                minus.updateParameters { n, p in if n == name { p.withUnsafeMutableBufferPointer { $0[index] -= step } } }
                return (Self.loss(plus, task: task, batch: batch) - Self.loss(minus, task: task, batch: batch)) / Double(2 * step)
            }
            var numeric = [Double](), checked = [Double](), skipped = 0
            for k in 0..<min(analytic.count, 16) {
                let index = (k * 7919) % analytic.count
                let difference = centralDifference(index, epsilon)
                // A difference that changes with the step straddles a ReLU, max-pool or smooth-L1
                // switch (a kink, where the loss has no derivative): not evidence either way.
                if abs(difference - centralDifference(index, epsilon / 2)) > 0.1 * max(abs(difference), 1e-3) {
                    skipped += 1
                    continue
                }
                numeric.append(difference)
                checked.append(Double(analytic[index]))
            }
            #expect(skipped <= 4, "\(name): \(skipped) of the sampled entries straddle a kink")
            let difference = zip(numeric, checked).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = numeric.map { $0 * $0 }.reduce(0, +).squareRoot() + checked.map { $0 * $0 }.reduce(0, +).squareRoot()
            let tolerance = name.hasPrefix("conv") ? 5e-2 : 1e-2
            #expect(scale > 0 && difference / scale < tolerance,
                    "\(name): relative error \(difference / max(scale, 1e-12)) \(zip(numeric, checked).map { String(format: "%.5f/%.5f", $0, $1) })")
        }
        // A frozen trunk gets no gradient and the head the same ones.
        var frozen = Gradients(frozenPrefixes: ["conv"])
        var again = network
        var context2 = ForwardContext(random: SeededGenerator(seed: 5))
        let (_, _, pullback2) = again.forward(images: batch.images, context: &context2)
        pullback2(dLogits, dDeltas, &frozen)
        #expect(frozen["conv1.weight"] == nil && frozen["conv6.weight"] == nil)
        #expect(frozen["rpn_conv.weight"] == gradients["rpn_conv.weight"] && frozen["rpn_bbox_pred.weight"] == gradients["rpn_bbox_pred.weight"])
    }

    // MARK: test-time selection

    @Test func theTopScoresSelectionGivesTheFullSortsPrefix() {
        var random = SeededGenerator(seed: 17)
        for round in 0..<30 {
            let n = [0, 1, 5, 100, 3000, 36015][round % 6]
            // Few distinct values in some rounds (many ties), continuous in others, sorted in some.
            var scores = (0..<n).map { _ in round % 3 == 0 ? Float(random.next() % 7) : random.nextUniform() * 20 - 10 }
            if round % 5 == 4 { scores.sort() }
            for count in [0, 1, 3, 100, 6000, n / 2 - 1, n, n + 5] where count >= 0 {
                #expect(TopScores.indices(of: scores, count: count) == TopScores.indicesNaive(of: scores, count: count), "n \(n), k \(count)")
            }
        }
    }

    @Test func theRadixSelectGivesTheQuickselectsKthHighest() {
        var random = SeededGenerator(seed: 23)
        let special: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1e-30, -1e30]
        for value in special { #expect(TopScores.value(ofKey: TopScores.sortKey(value)).bitPattern == value.bitPattern) }
        for round in 0..<24 {
            let n = [1, 2, 7, 300, 15360, 4097][round % 6]
            var scores = (0..<n).map { _ -> Float in
                switch round % 4 {
                case 0: Float(random.next() % 5) - 2          // many ties, zeros of both signs below
                case 1: random.nextUniform() * 40 - 30
                case 2: special[Int(random.next() % UInt64(special.count))]
                default: (random.nextUniform() - 0.5) * 1e-3  // values sharing their top bits
                }
            }
            if round % 4 == 0 { scores = scores.map { $0 == 0 && random.next() % 2 == 0 ? -0.0 : $0 } }
            for k in Set([1, 2, n / 3, n / 2, n - 1, n]) where k >= 1 && k <= n {
                #expect(TopScores.kthHighest(scores, k) == TopScores.kthHighestByQuickselect(scores, k), "n \(n), k \(k), round \(round)")
                #expect(TopScores.indices(of: scores, count: k) == TopScores.indicesNaive(of: scores, count: k), "n \(n), k \(k), round \(round)")
            }
        }
    }

    @Test func proposalsAreDecodedClippedFilteredSuppressedAndCapped() {
        // A 2x2 map of one 4 px anchor on an 8 px input; the image is 16 px (scale 2).
        let anchors = AnchorGrid(sizes: [4], ratios: [1]).anchors(featureHeight: 2, featureWidth: 2, inputSize: 8)
        #expect(anchors == [Self.box(0, 0, 4, 4, label: 0), Self.box(4, 0, 8, 4, label: 0), Self.box(0, 4, 4, 8, label: 0), Self.box(4, 4, 8, 8, label: 0)])
        let logits = Tensor(shape: [1, 1, 2, 2], scalars: [3, 2, 1, 0])
        func deltas(_ edit: (inout [Float]) -> Void) -> Tensor {
            var d = [Float](repeating: 0, count: 16)
            edit(&d)
            return Tensor(shape: [1, 4, 2, 2], scalars: d)
        }
        let settings = RPNProposalSettings()
        // No deltas: the anchors, scaled to the image, by decreasing objectness.
        let plain = settings.proposals(logits: logits, deltas: deltas { _ in }, anchors: anchors, inputSize: 8, imageWidth: 16, imageHeight: 16)
        #expect(plain == [Self.box(0, 0, 8, 8, label: 0), Self.box(8, 0, 16, 8, label: 0), Self.box(0, 8, 8, 16, label: 0), Self.box(8, 8, 16, 16, label: 0)])
        // Top N.
        let capped = RPNProposalSettings(maxProposals: 2).proposals(logits: logits, deltas: deltas { _ in }, anchors: anchors, inputSize: 8,
                                                                    imageWidth: 16, imageHeight: 16)
        #expect(capped == Array(plain.prefix(2)))
        // Anchor 1 moved one width left lands on anchor 0 (IoU 1 > 0.7): suppressed. Anchor 3
        // twice as wide spills over the right edge: clipped. Anchor 2 a tenth as high is under 2 px: dropped.
        let edited = deltas { d in
            d[0 * 4 + 1] = -1                      // dx of anchor 1 (cell 1)
            d[2 * 4 + 3] = Float(log(2.0))         // dw of anchor 3 (cell 3)
            d[3 * 4 + 2] = Float(log(0.1))         // dh of anchor 2 (cell 2)
        }
        let selected = settings.proposals(logits: logits, deltas: edited, anchors: anchors, inputSize: 8, imageWidth: 16, imageHeight: 16)
        #expect(selected == [Self.box(0, 0, 8, 8, label: 0), Self.box(4, 8, 16, 16, label: 0)])
        // Pre-NMS top k: only the best anchor is decoded.
        let one = RPNProposalSettings(preNMS: 1).proposals(logits: logits, deltas: deltas { _ in }, anchors: anchors, inputSize: 8,
                                                           imageWidth: 16, imageHeight: 16)
        #expect(one == [Self.box(0, 0, 8, 8, label: 0)])
    }

    // MARK: training

    /// A training run on generated 64 px scenes (anchors for their 24-40 px digits).
    static func smallRun(epochs: Int, examples: Int) throws -> RPNTraining {
        let set = try syntheticDetectionSet(count: examples, seed: 3)
        var config = RPNTrainingConfig()
        config.pretrained = detectionTestsRoot + "/datasets/weights/deepconvnet-mnist.safetensors"
        (config.inputSize, config.epochs, config.imagesPerBatch, config.anchorsPerImage) = (64, epochs, 2, 64)
        config.anchors = AnchorGrid(sizes: [20, 28, 36], ratios: [1, 1.5])
        (config.learningRate, config.schedule, config.warmupEpochs, config.validationProposals) = (0.003, "constant", 0, 20)
        return try RPNTraining(config: config, training: set, validation: set)
    }

    @Test func trainingRaisesRecallOnItsScenesAndWritesAUsableProposer() throws {
        var run = try Self.smallRun(epochs: 12, examples: 8)
        let before = run.trainer.task.validate(run.trainer.model)
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("rpn.safetensors")
        try run.run(checkpoint: folder.appendingPathComponent("rpn.checkpoint.safetensors"), resume: false, output: weights)
        let after = run.trainer.task.validate(run.trainer.model)
        // Measured: recall@0.7 0.07 -> 0.79, recall@0.5 0.43 -> 0.93 at 20 proposals.
        #expect(after["recall70"]! >= 0.7 && after["recall70"]! > before["recall70"]! + 0.4, "before \(before), after \(after)")
        #expect(after["recall50"]! >= 0.9 && after["AR"]! > before["AR"]! + 0.3, "before \(before), after \(after)")
        // The weights file is a proposer that gives the same proposals as the trained network.
        let proposer = try RegionProposalNetwork(weights: weights.path, settings: RPNProposalSettings(maxProposals: 20))
        let example = run.trainer.task.training.examples[0]
        let proposals = try proposer.propose(StageInput(image: example.image))
        #expect(!proposals.isEmpty && proposals.count <= 20)
        #expect(example.boxes.allSatisfy { truth in proposals.contains { $0.iou(truth) >= 0.5 } })
        let file = try SafetensorsFile(contentsOf: weights)
        #expect(file.metadata["validation.recall70"] != nil && file.metadata["rpn.anchor_sizes"] == "20.0,28.0,36.0")
        #expect(file.metadata["proposer.method"] == "rpn" && file.metadata["preprocess.input_size"] == "64")
    }

    /// Trains `makeRun()` for its epochs straight through, and again resumed from the checkpoint
    /// of its first epoch: the two must end with the same weights (and the resumed run must train).
    static func expectResumeGivesTheWeightsOfAnUninterruptedRun(_ makeRun: () throws -> RPNTraining) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("run.ckpt"), afterFirst = folder.appendingPathComponent("first.ckpt")
        var straight = try makeRun()
        try straight.run(checkpoint: checkpoint, resume: false, output: folder.appendingPathComponent("straight.safetensors")) { event in
            if case .epochEnded(let summary) = event, summary.epoch == 1 { try? FileManager.default.copyItem(at: checkpoint, to: afterFirst) }
        }
        var resumed = try makeRun()
        let initial = resumed.trainer.model.parameters
        try resumed.run(checkpoint: afterFirst, resume: true, output: folder.appendingPathComponent("resumed.safetensors"))
        #expect(resumed.trainer.model.parameters == straight.trainer.model.parameters)
        #expect(resumed.trainer.model.parameters != initial)
    }

    @Test func resumeGivesTheWeightsOfAnUninterruptedRun() throws {
        try Self.expectResumeGivesTheWeightsOfAnUninterruptedRun { try Self.smallRun(epochs: 2, examples: 4) }
    }

    @Test func theCommandLineTrainsProposesAndEvaluates() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let root = URL(fileURLWithPath: detectionTestsRoot)
        let scenes = work.appendingPathComponent("scenes").path
        let generated = try GlimpseProcess.run(["datasets", "scenes", "--out", scenes, "--splits", "8,4,4", "--seed", "5"], in: root)
        #expect(generated.status == 0, "\(generated.stderr)")
        let weights = work.appendingPathComponent("rpn.safetensors").path
        let trained = try GlimpseProcess.run(["train", "proposer", "--data", scenes, "--freeze", "conv", "--epochs", "2", "--quiet",
                                              "--output", weights], in: root)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("validation recall@0.5") && trained.stdout.contains("after 2 epochs"), "\(trained.stdout)")
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weights))
        #expect(file.metadata["rpn.shared_trunk.weights_file"] == "fast-rcnn-scenes.safetensors" && file.metadata["history"]?.split(separator: ";").count == 2)
        let out = work.appendingPathComponent("proposals").path
        let proposed = try GlimpseProcess.run(["propose", "--proposer", "rpn", "--weights", weights, "--max", "50", "--out", out, "--timing"]
                                              + (0..<4).map { String(format: "\(scenes)/test/images/%06d.png", $0) }, in: root)
        #expect(proposed.status == 0 && proposed.stderr.contains("rpn: 4 images in"), "\(proposed.stderr)")
        let scored = try GlimpseProcess.run(["eval", "proposals", "--gt", scenes + "/test/instances.json", "--pred", out, "--top", "50"], in: root)
        #expect(scored.status == 0 && scored.stdout.contains("recall@0.5"), "\(scored.stdout)\(scored.stderr)")
        // The tiny trunk from the command line: from scratch at 128 px, its file names it, and propose takes --pre-nms and --nms.
        let tiny = work.appendingPathComponent("tiny.safetensors").path
        let tinyTrained = try GlimpseProcess.run(["train", "proposer", "--data", scenes, "--trunk", "tiny", "--trunk-widths", "4,4,8", "--epochs", "1",
                                                  "--quiet", "--output", tiny], in: root)
        #expect(tinyTrained.status == 0 && tinyTrained.stdout.contains("after 1 epochs"), "\(tinyTrained.stdout)\(tinyTrained.stderr)")
        let tinyFile = try SafetensorsFile(contentsOf: URL(fileURLWithPath: tiny))
        #expect(tinyFile.metadata["rpn.trunk"] == "tiny" && tinyFile.metadata["preprocess.input_size"] == "128" && tinyFile.metadata["train.pretrained"] == "none")
        let tinyProposed = try GlimpseProcess.run(["propose", "--proposer", "rpn", "--weights", tiny, "--pre-nms", "100", "--nms", "0.6", "--max", "30",
                                                   String(format: "\(scenes)/test/images/%06d.png", 0)], in: root)
        #expect(tinyProposed.status == 0 && (1...30).contains(tinyProposed.stdout.split(separator: "\n").count), "\(tinyProposed.stdout)\(tinyProposed.stderr)")
    }

    // MARK: bad input

    @Test func weightsOfTheOtherKindAreRefusedNamingTheFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rpn = folder.appendingPathComponent("proposals.safetensors")
        try Self.writeWeights(to: rpn)
        #expect(try RegionProposalNetwork(weights: rpn.path).anchors.count == 9 * 9 * 2)
        do {
            _ = try FastRCNNDetector(weights: rpn.path)
            Issue.record("RPN weights were accepted as a detector")
        } catch {
            #expect("\(error)".contains(rpn.path) && "\(error)".contains("region proposal network"), "\(error)")
        }
        let detector = detectionTestsRoot + "/datasets/weights/fast-rcnn-scenes.safetensors"
        do {
            _ = try RegionProposalNetwork(weights: detector)
            Issue.record("detector weights were accepted as a proposer")
        } catch {
            #expect("\(error)".contains(detector) && "\(error)".contains("fast-rcnn detector"), "\(error)")
        }
    }

    @Test func anchorsThatDoNotFitTheFeatureMapAreRefused() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let threeShapes = folder.appendingPathComponent("three.safetensors")
        try Self.writeWeights(to: threeShapes, anchors: AnchorGrid(sizes: [8, 12, 16], ratios: [1]))
        let otherMap = folder.appendingPathComponent("map.safetensors")
        try Self.writeWeights(to: otherMap, featureSize: 5)
        let huge = folder.appendingPathComponent("huge.safetensors")
        try Self.writeWeights(to: huge, anchors: AnchorGrid(sizes: [8, 500], ratios: [1]))
        for (url, cause) in [(threeShapes, "3 anchors per cell, but the objectness layer has 2"), (otherMap, "trained on a 5x5 map"),
                             (huge, "500.0x500.0 anchor")] {
            do {
                _ = try RegionProposalNetwork(weights: url.path)
                Issue.record("\(url.lastPathComponent) was accepted")
            } catch {
                #expect("\(error)".contains(url.path) && "\(error)".contains("do not fit the feature map") && "\(error)".contains(cause), "\(error)")
            }
        }
    }

    @Test func aOneByOneImageGivesNoProposals() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("rpn.safetensors")
        try Self.writeWeights(to: url)
        let proposer = try RegionProposalNetwork(weights: url.path)
        #expect(try proposer.propose(StageInput(image: Image(width: 1, height: 1, fill: [200, 10, 10]))).isEmpty)
        #expect(!proposer.propose(in: Image(width: 40, height: 30, fill: [200, 10, 10])).isEmpty)
    }

    @Test func aHugeImageIsRefusedBeforeItsPixelsAreAllocated() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("rpn.safetensors")
        try Self.writeWeights(to: weights)
        // A valid PNG header declaring 20000 x 20000 RGB (1.2 GB of pixels) and one tiny IDAT.
        var bytes = try PNG.encode(Image(width: 1, height: 1, fill: [1, 2, 3]))
        for (offset, value) in [(16, 20_000), (20, 20_000)] {
            for k in 0..<4 { bytes[offset + k] = UInt8((value >> (24 - 8 * k)) & 0xff) }
        }
        let crc = Self.crc32(bytes[12..<29])
        for k in 0..<4 { bytes[29 + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xff) }
        let image = folder.appendingPathComponent("huge.png")
        try Data(bytes).write(to: image)
        let run = try GlimpseProcess.run(["propose", "--proposer", "rpn", "--weights", weights.path, "--timing", image.path],
                                         in: URL(fileURLWithPath: detectionTestsRoot))
        #expect(run.status != 0)
        // "declared size ... exceeds the pixel budget": refused from the header, before any pixel buffer.
        #expect(run.stderr.contains("huge.png") && run.stderr.contains("declared size 20000x20000") && run.stderr.contains("pixel budget"),
                "\(run.stderr)")
    }

    /// The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
