// CNNFeatureExtractor: a chosen layer's activations of a network with pretrained weights,
// optionally global-average-pooled to one vector per image. The preprocessing (input size,
// channel order, mean) is read from the weights file's metadata, so it always matches the
// weights.

import Foundation
import GlimpseImaging
import GlimpseStages
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor
import GlimpseTraining

/// Features from SqueezeNet 1.1 (or any `Sequential` with matching weights) at a named layer.
public struct CNNFeatureExtractor: FeatureExtractor {
    /// `"cnn"`.
    public static let conformanceName = "cnn"

    /// The network, with its pretrained weights.
    public let network: Sequential
    /// The layer whose output is the feature map (for example `fire9`).
    public let layer: String
    /// Whether to global-average-pool the feature map to `[N, C]`.
    public let pooled: Bool
    /// How images become the network's input.
    public let preprocessing: ImagePreprocessing

    /// Loads SqueezeNet 1.1 weights from `weightsPath`; throws naming the file on any problem
    /// (unreadable, wrong tensors, no preprocessing metadata) and if `layer` is not in the network.
    public init(squeezeNetWeights weightsPath: String, layer: String = "fire9", pooled: Bool = true) throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weightsPath))
        var network = SqueezeNet.make()
        try network.load(from: file)
        guard network[layer] != nil else {
            throw StageError(file: weightsPath, problem: "no layer \"\(layer)\"; layers are \(network.layers.map(\.name).joined(separator: ", "))")
        }
        self.network = network
        self.layer = layer
        self.pooled = pooled
        self.preprocessing = try ImagePreprocessing(metadata: file.metadata, source: weightsPath)
    }

    /// Features of each image: `[N, C]` when pooled, `[N, C, H, W]` otherwise (N = images.count).
    public func features(of images: [Image]) -> Tensor {
        precondition(!images.isEmpty, "CNNFeatureExtractor: no images")
        // each preprocessed image is [1, C, S, S]; stack them as [N, C, S, S]
        let batch = Tensor.stack(images.map { preprocessing.tensor(for: $0).item(0) })
        let map = network(batch, through: layer)
        return pooled ? GlobalAvgPool()(map) : map
    }
}

extension CNNFeatureExtractor {
    /// The registry entry: `weights`, `layer`, `pooled`.
    public static let registryEntry = Conformance(
        kind: .features, name: conformanceName, summary: "SqueezeNet 1.1 activations at a named layer",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/squeezenet1_1.safetensors"),
                          help: "SqueezeNet 1.1 safetensors with preprocess.* metadata"),
            ParameterSpec("layer", .string, default: .string("fire9"), help: "the layer whose output is the feature map"),
            ParameterSpec("pooled", .bool, default: .bool(true), help: "global-average-pool to one vector per image"),
        ]
    ) { parameters in
        .features(try CNNFeatureExtractor(
            squeezeNetWeights: parameters.string("weights", default: ""), layer: parameters.string("layer", default: "fire9"),
            pooled: parameters.bool("pooled", default: true)))
    }
}
