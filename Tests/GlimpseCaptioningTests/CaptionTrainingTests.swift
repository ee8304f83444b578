// NIC training end to end on a few generated scenes (the shipped Fast R-CNN trunk as the CNN):
// it learns their captions, resumes exactly, and the data rules for bad captions hold (empty,
// non-ASCII, 10,000 words, an image without captions), as does a weights file whose vocabulary
// does not belong to its embedding.

import Foundation
import GlimpseCaptioning
import GlimpseDatasets
import GlimpseEvaluation
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
import GlimpseTraining
import Testing

/// The repository root (for datasets/).
let captioningTestsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

/// A scene split of `count` images written to a temporary directory (removed by the caller).
func writeScenes(count: Int, seed: UInt64) throws -> String {
    let generator = try SceneGenerator(mnistDirectory: captioningTestsRoot + "/datasets/mnist",
                                       texturesDirectory: captioningTestsRoot + "/datasets/textures", maxObjects: 2)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-captions-\(UUID().uuidString)").path
    _ = try SceneSetWriter(generator: generator).write(split: .train, count: count, seed: seed, to: directory)
    return directory
}

/// Every caption of the train split `writeScenes` wrote to `directory` (at most 40 tokens each).
func trainCaptionSet(in directory: String) throws -> CaptionSet {
    let folder = try SceneFolder(directory: directory + "/train")
    return try CaptionSet.load(source: folder, sourceName: directory, indices: Array(0..<folder.count), maxTokens: 40)
}

/// A labelled source built in memory.
struct MemorySource: LabelledImageSource {
    var items: [LabelledImage]
    var count: Int { items.count }
    var classNames: [String] { ["background"] }
    func item(at index: Int) throws(DatasetError) -> LabelledImage { items[index] }
}

/// A small NIC run's settings (the CNN: the shipped detector's trunk).
func smallCaptionConfig(epochs: Int) -> CaptionerTrainingConfig {
    var config = CaptionerTrainingConfig()
    config.cnn = captioningTestsRoot + "/datasets/weights/fast-rcnn-scenes.safetensors"
    (config.embedding, config.hidden, config.minimumCount, config.epochs, config.batchSize, config.grid) = (32, 64, 1, epochs, 16, 7)
    (config.learningRate, config.schedule, config.dropout) = (0.01, "constant", 0)
    return config
}

@Suite("Caption training", .serialized)
struct CaptionTrainingTests {
    @Test func learnsTheCaptionsOfAFewScenes() throws {
        let directory = try writeScenes(count: 12, seed: 5)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let set = try trainCaptionSet(in: directory)
        #expect(set.examples.count == 12 && set.skipped.isEmpty)
        var run = try CaptionTraining(config: smallCaptionConfig(epochs: 40), training: set, validation: set)
        let before = run.trainer.task.validate(run.trainer.model)
        let output = URL(fileURLWithPath: directory + "/nic.safetensors")
        let (_, after) = try run.run(checkpoint: URL(fileURLWithPath: directory + "/nic.ckpt"), resume: false, output: output)
        print("NIC on \(set.examples.count) scenes, own captions: BLEU-4 \(before["BLEU-4"]!) -> \(after["BLEU-4"]!), CIDEr-D \(before["CIDEr-D"]!) -> \(after["CIDEr-D"]!)")
        // Greedy decoding settles on one sentence form per image while each image has five or six
        // differently worded references, so the scores stay well below 1 even on training images.
        #expect(after["BLEU-4"]! >= 0.15 && after["CIDEr-D"]! >= before["CIDEr-D"]! + 0.4)
        // The weights file alone is the captioner: vocabulary, shape and domain come back, and
        // its batched beam captions of the training images score as well.
        let captioner = try NICCaptioner(weights: output.path, beam: 3)
        #expect(captioner.description.vocabulary == run.trainer.task.vocabulary)
        #expect(captioner.description.domain != nil && captioner.description.sharedBackbone != nil)
        let beamed = captioner.captions(of: set.examples.map(\.image), count: 2)
        #expect(beamed.allSatisfy { $0.count == 2 && $0[0].logProbability >= $0[1].logProbability })
        let scores = CaptionEvaluation.evaluate(candidates: beamed.map { $0[0].text }, references: set.examples.map(\.captions))
        #expect(scores.ciderD >= 0.3, "beam-3 CIDEr-D \(scores.ciderD)")
        // The training images are in the domain.
        let verdicts = captioner.captionsOrVerdicts(of: set.examples.map(\.image), count: 1)
        #expect(verdicts.allSatisfy { $0.verdict?.outOfDomain == false && !$0.captions.isEmpty })
    }

    @Test(arguments: [false, true])
    func everyTrainedParameterGetsAGradient(fineTuneCNN: Bool) throws {
        // A step's gradients reach every decoder parameter (the embeddings through the LSTM's
        // input gradient) and, only when fine-tuning, the CNN's.
        let directory = try writeScenes(count: 3, seed: 4)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let set = try trainCaptionSet(in: directory)
        var config = smallCaptionConfig(epochs: 1)
        config.batchSize = 8
        let run = try CaptionTraining(config: config, training: set, validation: nil)
        var task = CaptionTask(training: set, validation: nil, vocabulary: run.trainer.task.vocabulary, preprocessing: run.trainer.task.preprocessing,
                               network: run.trainer.model, fineTuneCNN: fineTuneCNN, maxTokens: 40)
        var random = SeededGenerator(seed: 3)
        var model = run.trainer.model
        let batch = task.makeBatch(Array(0..<8)[...], random: &random)
        let step = task.lossAndGradients(model: &model, batch: batch, random: &random)
        for (name, _) in model.parameters {
            let gradient = step.gradients[name]
            if name.hasPrefix("cnn.") && !fineTuneCNN {
                #expect(gradient == nil, "\(name) of the frozen CNN has a gradient")
            } else {
                #expect(gradient.map { $0.scalars.contains { $0 != 0 } } == true, "\(name) gets no gradient")
            }
        }
    }

    @Test func resumeGivesTheWeightsOfAnUninterruptedRun() throws {
        let directory = try writeScenes(count: 6, seed: 8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let set = try trainCaptionSet(in: directory)
        var config = smallCaptionConfig(epochs: 2)
        config.dropout = 0.3  // the dropout masks must resume too
        // Uninterrupted; the checkpoint written after the first epoch is kept aside, as a run killed
        // during the second epoch would leave it.
        let checkpoint = URL(fileURLWithPath: directory + "/run.ckpt"), afterFirst = URL(fileURLWithPath: directory + "/first.ckpt")
        var whole = try CaptionTraining(config: config, training: set, validation: nil)
        try whole.run(checkpoint: checkpoint, resume: false, output: URL(fileURLWithPath: directory + "/a.safetensors")) { event in
            if case .epochEnded(let summary) = event, summary.epoch == 1 { try? FileManager.default.copyItem(at: checkpoint, to: afterFirst) }
        }
        var rest = try CaptionTraining(config: config, training: set, validation: nil)
        try rest.run(checkpoint: afterFirst, resume: true, output: URL(fileURLWithPath: directory + "/b.safetensors"))
        #expect(rest.trainer.model.parameters == whole.trainer.model.parameters)
        #expect(rest.trainer.model.parameters != (try CaptionTraining(config: config, training: set, validation: nil)).trainer.model.parameters)
    }

    @Test func badCaptionsFollowTheDataRules() throws {
        let image = Image(width: 8, height: 8, fill: [0, 0, 0])
        let long = Array(repeating: "seven", count: 10_000).joined(separator: " ")
        let source = MemorySource(items: [
            LabelledImage(name: "a.png", image: image, captions: ["", "a red 7 on grass", "!!! ..."]),
            LabelledImage(name: "b.png", image: image, captions: ["ein grünes Fünf auf Gras", long]),
            LabelledImage(name: "c.png", image: image, captions: nil),
            LabelledImage(name: "d.png", image: image, captions: []),
        ])
        let set = try CaptionSet.load(source: source, sourceName: "mem", indices: [0, 1, 2, 3], maxTokens: 40)
        #expect(set.examples.map(\.name) == ["a.png", "b.png"])
        #expect(set.examples[0].captions == ["a red 7 on grass"])
        #expect(set.truncated == 1)
        #expect(set.skipped.count == 4)
        #expect(set.skipped[0].contains("mem/a.png") && set.skipped[0].contains("caption 1"))
        #expect(set.skipped.contains { $0.contains("mem/c.png") && $0.contains("image skipped") })
        let vocabulary = CaptionVocabulary(captions: set.allCaptions, minimumCount: 1)
        #expect(vocabulary.encode(long, maxTokens: 40).count == 40)
        #expect(vocabulary.words.contains("grünes"))
    }

    @Test func aVocabularyThatDoesNotFitTheEmbeddingIsRefused() throws {
        let directory = try writeScenes(count: 4, seed: 2)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let set = try trainCaptionSet(in: directory)
        var run = try CaptionTraining(config: smallCaptionConfig(epochs: 1), training: set, validation: nil)
        let good = directory + "/nic.safetensors"
        try run.run(checkpoint: URL(fileURLWithPath: directory + "/c.ckpt"), resume: false, output: URL(fileURLWithPath: good))
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: good))
        var metadata = file.metadata
        let words = metadata["vocabulary.words"]!.split(separator: " ").dropLast(2)
        metadata["vocabulary.words"] = words.joined(separator: " ")
        metadata["vocabulary.size"] = String(words.count)
        let bad = directory + "/bad.safetensors"
        try SafetensorsFile(try file.tensors(), metadata: metadata).write(to: URL(fileURLWithPath: bad))
        do {
            _ = try NICCaptioner(weights: bad)
            Issue.record("a vocabulary two words short of the embedding was accepted")
        } catch let error as StageError {
            #expect("\(error)".contains(bad) && "\(error)".contains("word_embedding"))
        }
        #expect(throws: StageError.self) { try NICCaptioner(weights: directory + "/missing.safetensors") }
        #expect(throws: StageError.self) { try NICCaptioner(weights: captioningTestsRoot + "/datasets/weights/fcn8s-scenes.safetensors") }
    }
}
