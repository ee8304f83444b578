// Fine-tuning: starting from pretrained weights with a fresh head, frozen layers stay exactly
// as loaded, the rest train.

import Foundation
import GlimpseDatasets
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("Fine-tuning", .serialized)
struct FinetuneTests {
    static let pretrained = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/weights/deepconvnet-mnist.safetensors").standardized.path

    @Test func frozenLayersStayAsLoadedAndTheHeadStartsAfresh() throws {
        let trainSet = try MNISTDataset(directory: mnistDirectory, split: .train)
        var config = MNISTTrainingConfig()
        config.epochs = 1
        config.batchSize = 50
        config.limit = 200
        config.validation = 0
        config.pretrained = Self.pretrained
        config.newHead = ["fc2."]
        config.freeze = ["conv1.", "conv2.", "conv3.", "conv4.", "conv5.", "conv6."]
        var trainer = try MNISTTrainer(config: config, trainSet: trainSet)
        let loaded = try SafetensorsFile(contentsOf: URL(fileURLWithPath: Self.pretrained)).tensors()
        let start = trainer.model.parameters
        #expect(start["conv3.weight"] == loaded["conv3.weight"])
        #expect(start["fc1.weight"] == loaded["fc1.weight"])
        #expect(start["fc2.weight"] != loaded["fc2.weight"], "the head is initialised afresh")
        _ = trainer.trainEpoch()
        let end = trainer.model.parameters
        for name in DeepConvNet.parameterNames where name.hasPrefix("conv") {
            #expect(end[name] == loaded[name], "\(name) is frozen")
        }
        #expect(end["fc1.weight"] != start["fc1.weight"] && end["fc2.weight"] != start["fc2.weight"])
        #expect(trainer.optimizer.state.keys.allSatisfy { !$0.contains(".conv") }, "no optimizer state for frozen parameters")
    }

    @Test func aPretrainedFileOfAnotherModelIsRefusedNamingTheKeys() throws {
        let trainSet = try MNISTDataset(directory: mnistDirectory, split: .train)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("other.safetensors")
        var state = DeepConvNet.make(seed: 1).state
        state["fc1.weight"] = Tensor(zeros: [50, 512])
        try SafetensorsFile.write(state, to: url)
        var config = MNISTTrainingConfig()
        config.limit = 200
        config.validation = 0
        config.pretrained = url.path
        config.newHead = ["fc2."]
        do {
            _ = try MNISTTrainer(config: config, trainSet: trainSet)
            Issue.record("mismatched pretrained weights were accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("fc1.weight") && text.contains("[50, 1024]") && text.contains("[50, 512]"), "\(text)")
        }
    }
}
