// Loading weights from a plain name-to-tensor map and from a file, and the registry of
// architectures by name.

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import Testing

@Suite("Model weights")
struct ModelWeightsTests {
    @Test func aPlainMapLoadsExactlyLikeAFile() throws {
        let trained = DeepConvNet.make(seed: 1)
        var fromMap = DeepConvNet.make(seed: 2)
        try fromMap.load(trained.state, source: "checkpoint.safetensors")
        var fromFile = DeepConvNet.make(seed: 2)
        try fromFile.load(from: SafetensorsFile(trained.state))
        #expect(fromMap.state == trained.state)
        #expect(fromFile.state == trained.state)
    }

    @Test func aMapWithMissingUnexpectedAndMisshapenKeysIsRejectedWhole() throws {
        var state = DeepConvNet.make(seed: 1).state
        state["fc2.bias"] = nil
        state["fc3.weight"] = Tensor(zeros: [2])
        state["conv1.bias"] = Tensor(zeros: [3])
        var model = DeepConvNet.make(seed: 2)
        let before = model.state
        do {
            try model.load(state, source: "run/checkpoint.safetensors")
            Issue.record("a broken map was loaded")
        } catch {
            let text = "\(error)"
            for part in ["run/checkpoint.safetensors", "fc2.bias", "fc3.weight", "conv1.bias"] {
                #expect(text.contains(part), "\(part) not in \(text)")
            }
        }
        #expect(model.state == before, "the model is unchanged when loading throws")
    }

    @Test func keptPrefixesAreNeitherExpectedNorRead() throws {
        var state = DeepConvNet.make(seed: 1).state
        state = state.filter { !$0.key.hasPrefix("fc2.") }
        var model = DeepConvNet.make(classes: 3, seed: 2)
        let head = model.parameters["fc2.weight"]
        try model.load(state, source: "pretrained", keeping: ["fc2."])
        #expect(model.parameters["fc2.weight"] == head)
        #expect(model.parameters["conv1.weight"] == state["conv1.weight"])
    }

    @Test func architecturesAreFoundByNameAndAlias() {
        #expect(Architecture(name: "squeezenet1.1") == .squeezenet)
        #expect(Architecture(name: "deepconvnet") == .deepconvnet)
        #expect(Architecture(name: "resnet") == nil)
        #expect(Architecture.names == ["deepconvnet", "squeezenet", "squeezenet1.1"])
        for architecture in Architecture.allCases {
            let network = architecture.make(classes: 7, seed: 0)
            #expect(network[architecture.outputLayer] != nil && network.layers.last?.name == architecture.outputLayer)
            #expect(network.parameters[architecture.head + ".weight"]?.shape.first == 7)
        }
    }

    @Test func pretrainedNetworksReadTheirClassCountAndDigestFromTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("digits3.safetensors")
        try DeepConvNet.make(classes: 3, seed: 4).save(to: path)
        let loaded = try PretrainedNetwork(architecture: .deepconvnet, weights: path.path)
        #expect(loaded.classes == 3)
        #expect(loaded.preprocessing == Architecture.deepconvnet.defaultPreprocessing, "no metadata: the published preprocessing")
        #expect(loaded.weightsDigest == (try PretrainedNetwork.digest(of: path.path)))
        #expect(throws: SafetensorsError.self) { try PretrainedNetwork(architecture: .squeezenet, weights: path.path) }
        #expect(throws: SafetensorsError.self) { try PretrainedNetwork(architecture: .deepconvnet, weights: folder.appendingPathComponent("none").path) }
    }
}

@Suite("Pretrained network files")
struct PretrainedNetworkFileTests {
    @Test func aHeadWithoutAClassCountIsAnErrorNotACrash() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-models-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var state = DeepConvNet.make(seed: 4).state
        state["fc2.weight"] = Tensor(shape: [0, 50], scalars: [])
        let path = folder.appendingPathComponent("empty-head.safetensors")
        try SafetensorsFile.write(state, to: path)
        do {
            _ = try PretrainedNetwork(architecture: .deepconvnet, weights: path.path)
            Issue.record("a head with no classes was loaded")
        } catch {
            #expect("\(error)".contains(path.path) && "\(error)".contains("fc2.weight"), "\(error)")
        }
    }
}
