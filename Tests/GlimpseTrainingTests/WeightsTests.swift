// Model weights on disk: round trips and the errors a mismatched file gives.

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("Model weights")
struct WeightsTests {
    @Test(arguments: [SafetensorsDType.f32, .f16, .bf16])
    func roundTrip(_ dtype: SafetensorsDType) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        let model = DeepConvNet.make(seed: 5)
        try model.save(to: url, dtype: dtype, metadata: ["note": "test"])
        var loaded = DeepConvNet.make(seed: 6)
        try loaded.load(contentsOf: url)
        let tolerance: Float = dtype == .f32 ? 0 : (dtype == .f16 ? 1e-3 : 1e-2)
        for (name, tensor) in model.state {
            let difference = (loaded.state[name]! - tensor).maxAbs()
            #expect(difference <= tolerance * max(1, tensor.maxAbs()), "\(name): \(difference)")
        }
        #expect(try SafetensorsFile(contentsOf: url).metadata["note"] == "test")
        // Keys are the parameter paths, in PyTorch layout.
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file["conv1.weight"]?.shape == [16, 1, 3, 3])
        #expect(file["fc1.weight"]?.shape == [50, 1024])
    }

    @Test func missingAndMisshapenKeysAreAllNamed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        var state = DeepConvNet.make(seed: 5).state
        state["conv2.bias"] = nil
        state["fc2.weight"] = Tensor(zeros: [10, 49])
        state["extra.weight"] = Tensor(zeros: [1])
        try SafetensorsFile.write(state, to: url)
        var model = DeepConvNet.make(seed: 6)
        let before = model.state
        do {
            try model.load(contentsOf: url)
            Issue.record("a mismatched file loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("conv2.bias") && text.contains("fc2.weight") && text.contains("extra.weight"), "\(text)")
            #expect(text.contains(url.path), "\(text)")
        }
        #expect(model.state == before)
    }

    @Test func halfPrecisionRoundingChangesWeightsSlightly() {
        let model = DeepConvNet.make(seed: 5)
        let half = model.roundedToHalf()
        let w = model.parameters["conv2.weight"]!, h = half.parameters["conv2.weight"]!
        #expect(w != h)
        #expect((w - h).maxAbs() < 1e-3)
    }
}

@Suite("Mismatched weights files")
struct MismatchedWeightsTests {
    @Test func wrongLayoutNamesTheKeyAndBothShapes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("hwio.safetensors")
        // conv3.weight stored HWIO: [3, 3, 16, 32] where the model has OIHW [32, 16, 3, 3]
        var state = DeepConvNet.make(seed: 5).state
        state["conv3.weight"] = Tensor(zeros: [3, 3, 16, 32])
        try SafetensorsFile.write(state, to: url)
        var model = DeepConvNet.make(seed: 6)
        do {
            try model.load(contentsOf: url)
            Issue.record("a wrong layout loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("conv3.weight") && text.contains("[32, 16, 3, 3]") && text.contains("[3, 3, 16, 32]"), "\(text)")
        }
    }

    @Test func kerasNamesWithoutImportAreListed() throws {
        // Keras names and layouts as they are: the Glimpse name is missing, the Keras one unexpected,
        // and a tensor under the right name but in HWIO shows both shapes.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("keras.safetensors")
        var state = [String: Tensor]()
        state["fire2/squeeze1x1/kernel"] = Tensor(zeros: [1, 1, 64, 16])
        state["conv1.weight"] = Tensor(zeros: [3, 3, 3, 64])
        try SafetensorsFile.write(state, to: url)
        var model = SqueezeNet.make()
        do {
            try model.load(contentsOf: url)
            Issue.record("a Keras-named file loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("fire2/squeeze1x1/kernel") && text.contains("fire2.squeeze.weight"), "\(text)")
            #expect(text.contains("[64, 3, 3, 3]") && text.contains("[3, 3, 3, 64]"), "\(text)")
        }
    }
}
