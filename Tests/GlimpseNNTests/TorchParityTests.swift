// DeepConvNet against PyTorch: the same weights and real MNIST images must give the same
// logits, loss and gradient for every parameter. The golden file and the script that made it
// are in Golden/ (make_deepconvnet_golden.py, torch 2.13.0+cpu).

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import Testing

@Suite("PyTorch parity")
struct TorchParityTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/deepconvnet_torch.safetensors")

    /// ||a - b|| / ||b||.
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        (a - b).l2Norm() / max(b.l2Norm(), 1e-12)
    }

    @Test func deepConvNetLogitsLossAndGradientsMatchPyTorch() throws {
        let file = try SafetensorsFile(contentsOf: Self.golden)
        let tensors = try file.tensors()
        let labels = try #require(file.metadata["labels"]).split(separator: ",").map { Int($0)! }
        let lossText = try #require(file.metadata["loss"])
        let torchLoss = try #require(Float(lossText))

        // DeepConvNet without its dropout layers (the reference has none), with the reference's weights.
        var model = DeepConvNet.make(seed: 0)
        model.layers.removeAll { $0.layer is Dropout }
        model.updateParameters { name, parameter in
            let reference = tensors[name]!
            precondition(reference.shape == parameter.shape, "\(name): \(reference.shape) vs \(parameter.shape)")
            parameter = reference
        }
        let input = try #require(tensors["input"])

        var context = ForwardContext(random: SeededGenerator(seed: 1))
        let (logits, pullback) = model.forward(input, context: &context)
        #expect(Self.relativeError(logits, tensors["logits"]!) < 1e-5)
        #expect((logits - model(input)).maxAbs() == 0)

        let (loss, dLogits) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        #expect(abs(loss - torchLoss) < 1e-5 * torchLoss)

        var gradients = Gradients()
        _ = pullback(dLogits, &gradients)
        #expect(gradients.tensors.count == 16)
        for name in DeepConvNet.parameterNames {
            let error = Self.relativeError(try #require(gradients[name]), try #require(tensors["grad." + name]))
            #expect(error < 1e-4, "\(name): relative error \(error)")
        }
    }
}
