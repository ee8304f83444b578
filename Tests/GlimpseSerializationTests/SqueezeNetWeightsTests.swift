// The real SqueezeNet 1.1 weights in shared/datasets (Keras HWIO layout), read when present.

import Foundation
import GlimpseSerialization
import GlimpseTensor
import Testing

private let squeezeNetURL = URL(fileURLWithPath: "/work/shared/datasets/weights/squeezenet1_1_imagenet_hwio.safetensors")

@Test(.enabled(if: FileManager.default.fileExists(atPath: squeezeNetURL.path)))
func readsSqueezeNetWeights() throws {
    let file = try SafetensorsFile(contentsOf: squeezeNetURL)
    #expect(file["conv1/kernel"]?.shape == [3, 3, 3, 64])
    #expect(file["conv1/kernel"]?.dtype == .f32)
    #expect(file.parameterCount == 1_235_496)
    #expect(file.metadata["layout"] == "HWIO_keras")
    let tensors = try file.tensors()
    #expect(tensors.count == file.names.count)
    #expect(tensors.values.reduce(0) { $0 + $1.count } == 1_235_496)
    let allFinite = tensors.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }
    #expect(allFinite)
    // Written back and read again, nothing changes. (Not byte-identical to the original:
    // its writer put "__metadata__" last, the reference writer puts it first.)
    let reread = try SafetensorsFile(bytes: file.serialized())
    let unchanged = reread == file
    #expect(unchanged)
}

/// The project's own converted copy, always present: the same checks without depending on ../shared.
@Test func readsTheShippedSqueezeNetWeights() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/weights/squeezenet1_1.safetensors").standardized
    let file = try SafetensorsFile(contentsOf: url)
    #expect(file["conv1.weight"]?.shape == [64, 3, 3, 3])
    #expect(file.parameterCount == 1_235_496)
    #expect(file.metadata["preprocess.input_size"] == "227")
    let tensors = try file.tensors()
    let allFinite = tensors.values.allSatisfy { $0.scalars.allSatisfy(\.isFinite) }
    #expect(allFinite)
    let unchanged = try SafetensorsFile(bytes: file.serialized()) == file
    #expect(unchanged)
}
