// MTCNN's Keras weights: every tensor of PyPI mtcnn 1.0.0's file is named, and the networks
// compute what the Keras layers compute on the raw tensors: HWIO convolutions, PReLU slopes
// `[1, 1, C]`, and R-Net's and O-Net's first dense layer reading a `[W, H, C]` flatten (Keras
// `Permute((2, 1, 3))` then `Flatten`; facenet-pytorch's `permute(0, 3, 2, 1)`), here reordered
// for Glimpse's `[C, H, W]` flatten.

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import Testing

@Suite("MTCNN weights import")
struct MTCNNImportTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/weights/mtcnn_pnet_rnet_onet_keras.safetensors").standardized.path

    @Test func everyKerasTensorHasAGlimpseName() throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: Self.path))
        #expect(Set(file.names) == Set(MTCNN.kerasNames.keys))
        #expect(MTCNN.kerasNames.count == 13 + 16 + 21)
        let converted = try WeightImportTable.kerasMTCNN.convert(file)
        #expect(converted["pnet.conv1.weight"]?.shape == [10, 3, 3, 3])
        #expect(converted["pnet.prelu1.weight"]?.shape == [10])
        #expect(converted["rnet.dense4.weight"]?.shape == [128, 576])
        #expect(converted["onet.heads.dense6_3.weight"]?.shape == [10, 256])
        _ = try MTCNN(kerasWeights: Self.path)
    }

    /// The first dense layer on a random `[1, C, 3, 3]` map: Glimpse's Linear on the `[C, H, W]`
    /// flatten against the Keras kernel `[H * W * C, O]` on the `[W, H, C]` flatten, with the raw
    /// file tensors.
    @Test(arguments: [("rnet", "dense4", 9, 64), ("onet", "dense5", 12, 128)])
    func denseLayerAfterTheFlattenReadsTheKerasOrder(network: String, layer: String, key: Int, channels: Int) throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: Self.path))
        let kernel = try file.tensor(named: "\(network)/\(String(format: "%02d", key))")  // [9 * C, O]
        let bias = try file.tensor(named: "\(network)/\(String(format: "%02d", key + 1))").scalars
        let mtcnn = try MTCNN(kerasWeights: Self.path)
        let net = network == "rnet" ? mtcnn.rnet : mtcnn.onet
        let dense = try #require(net.layers.first { $0.name == layer }?.layer as? Linear)
        var random = SeededGenerator(seed: 3)
        let map = Tensor(shape: [1, channels, 3, 3]) { _ in random.nextUniform() - 0.5 }
        let ours = dense(map.reshaped([1, channels * 9])).scalars
        let outputs = kernel.shape[1]
        let k = kernel.scalars, m = map.scalars
        var worst: Float = 0
        for o in 0..<outputs {
            var sum = bias[o]
            for x in 0..<3 { for y in 0..<3 { for c in 0..<channels {
                sum += m[(c * 3 + y) * 3 + x] * k[((x * 3 + y) * channels + c) * outputs + o]
            } } }
            worst = max(worst, abs(sum - ours[o]))
        }
        #expect(worst < 1e-4, "largest difference \(worst)")
    }

    /// P-Net's first convolution and PReLU on a 5x4 input against the HWIO kernel computed by hand.
    @Test func convolutionAndPReLUReadTheKerasLayouts() throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: Self.path))
        let kernel = try file.tensor(named: "pnet/00").scalars  // [3, 3, 3, 10]
        let bias = try file.tensor(named: "pnet/01").scalars
        let alpha = try file.tensor(named: "pnet/02").scalars  // [1, 1, 10]
        let pnet = try MTCNN(kerasWeights: Self.path).pnet
        var random = SeededGenerator(seed: 4)
        let input = Tensor(shape: [1, 3, 5, 4]) { _ in random.nextUniform() - 0.5 }
        let firstTwo = Sequential(Array(pnet.layers.prefix(2)).map { ($0.name, $0.layer) })
        let ours = firstTwo(input)  // [1, 10, 3, 2]
        var worst: Float = 0
        for f in 0..<10 { for oy in 0..<3 { for ox in 0..<2 {
            var sum = bias[f]
            for ky in 0..<3 { for kx in 0..<3 { for c in 0..<3 {
                sum += input.scalars[(c * 5 + oy + ky) * 4 + ox + kx] * kernel[((ky * 3 + kx) * 3 + c) * 10 + f]
            } } }
            let expected = sum > 0 ? sum : alpha[f] * sum
            worst = max(worst, abs(expected - ours.scalars[(f * 3 + oy) * 2 + ox]))
        } } }
        #expect(worst < 1e-5, "largest difference \(worst)")
    }
}
