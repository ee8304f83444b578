// SqueezeNet 1.1 with the shipped ImageNet weights against an independent implementation:
// on the reference's own preprocessed inputs (chelsea and coffee, 1x3x227x227, BGR minus the
// Caffe mean) the logits must agree within 1e-3. The reference file is the team's
// squeezenet1_1_reference.safetensors (numpy implementation), copied into Golden/.

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining
import Testing

@Suite("SqueezeNet parity")
struct SqueezeNetParityTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let weights = here.appendingPathComponent("../../datasets/weights/squeezenet1_1.safetensors").standardized
    static let labels = here.appendingPathComponent("../../datasets/weights/imagenet1k_labels.txt").standardized
    static let reference = here.appendingPathComponent("Golden/squeezenet1_1_reference.safetensors")

    @Test(arguments: [("chelsea", "Egyptian cat"), ("coffee", "espresso")])
    func logitsMatchTheReference(_ item: (name: String, label: String)) throws {
        var model = SqueezeNet.make()
        try model.load(contentsOf: Self.weights)
        let reference = try SafetensorsFile(contentsOf: Self.reference)
        let input = try reference.tensor(named: item.name + ".input_nchw")
        let expected = try reference.tensor(named: item.name + ".logits")
        let logits = model(input)
        #expect(logits.shape == [1, 1000])
        let difference = (logits.reshaped([1000]) - expected).maxAbs()
        #expect(difference < 1e-3, "largest logit difference \(difference)")
        let names = try String(contentsOf: Self.labels, encoding: .utf8).split(separator: "\n").map(String.init)
        let top = logits.argmaxRows()[0]
        #expect(names[top].contains(item.label), "top-1 is \(names[top])")
    }

    @Test func importedNamesAndLayouts() throws {
        let file = try SafetensorsFile(contentsOf: Self.weights)
        #expect(file.parameterCount == 1_235_496)
        #expect(file["conv1.weight"]?.shape == [64, 3, 3, 3])
        #expect(file["fire9.expand3x3.weight"]?.shape == [256, 64, 3, 3])
        #expect(file["conv10.weight"]?.shape == [1000, 512, 1, 1])
        #expect(file.metadata["preprocess.channel_order"] == "BGR")
        // The Keras table maps names and moves HWIO to OIHW: element (y, x, i, o) lands at (o, i, y, x).
        let kernel = Tensor(shape: [2, 3, 4, 5]) { Float($0) }
        let converted = WeightImportTable.apply(.kerasKernel, to: kernel)
        #expect(converted.shape == [5, 4, 2, 3])
        #expect(converted[3, 2, 1, 0] == kernel[1, 0, 2, 3])
        #expect(WeightImportTable.kerasHWIO.target(for: "fire2/squeeze1x1/kernel").name == "fire2.squeeze.weight")
        #expect(WeightImportTable.kerasHWIO.target(for: "fire2/expand3x3/bias").name == "fire2.expand3x3.bias")
    }

    @Test func torchvisionNamesMapOntoTheModel() throws {
        // torchvision's squeezenet1_1 state-dict names (features.N / classifier.1), made from our own
        // weights renamed, import back to exactly the model's names and values.
        let table = WeightImportTable.torchvisionSqueezeNet11
        #expect(table.target(for: "features.3.squeeze.weight").name == "fire2.squeeze.weight")
        #expect(table.target(for: "features.12.expand3x3.bias").name == "fire9.expand3x3.bias")
        #expect(table.target(for: "features.0.weight").name == "conv1.weight")
        #expect(table.target(for: "classifier.1.bias").name == "conv10.bias")
        #expect(table.target(for: "features.1.weight").name == "features.1.weight", "no partial-component match")
        let ours = try SafetensorsFile(contentsOf: Self.weights).tensors()
        let back = Dictionary(uniqueKeysWithValues: table.prefixRenames.map { ($0.value, $0.key) })
        var torchvision = [String: Tensor]()
        for (name, tensor) in ours {
            let layer = String(name.split(separator: ".")[0])
            torchvision[back[layer]! + name.dropFirst(layer.count)] = tensor
        }
        let imported = try table.convert(SafetensorsFile(torchvision))
        var model = SqueezeNet.make()
        try model.load(from: SafetensorsFile(imported))
        #expect(model.state == ours)
    }
}
