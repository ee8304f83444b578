// CNNBackbone: the pipeline's `cnn` backbone: a network of a known architecture with pretrained
// weights, run once per image, keeping the named layer outputs the pipeline's stages ask for.
// The preprocessing (input size, channel order, mean) is read from the weights file's metadata,
// so it always matches the weights.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// A pretrained CNN whose layer outputs the pipeline shares between its stages.
public struct CNNBackbone: Backbone {
    /// `"cnn"`.
    public static let conformanceName = "cnn"

    /// The network, its weights and preprocessing.
    public let model: PretrainedNetwork
    /// The layer whose output is the pipeline's `features` output (for example `fire9`).
    public let featureLayer: String
    /// Whether the `features` output is global-average-pooled to one vector per image.
    public let pooled: Bool

    /// Loads `weightsPath` into `architecture`; throws naming the file on any problem (unreadable,
    /// wrong tensors) and if `layer` is not one of the network's.
    public init(architecture: Architecture = .squeezenet, weights weightsPath: String, layer: String = "fire9",
                pooled: Bool = true) throws {
        model = try PretrainedNetwork(architecture: architecture, weights: weightsPath)
        guard model.network[layer] != nil else {
            throw StageError(file: weightsPath, problem: "no layer \"\(layer)\"; layers are \(model.network.layers.map(\.name).joined(separator: ", "))")
        }
        featureLayer = layer
        self.pooled = pooled
    }

    /// The architecture and the digest of its weights.
    public var identity: BackboneIdentity {
        BackboneIdentity(architecture: model.architecture.rawValue, weightsDigest: model.weightsDigest, weightsFile: model.weightsFile)
    }

    /// The network's layers, input to output.
    public var layerNames: [String] { model.network.layers.map(\.name) }

    /// How images become the network's input.
    public var preprocessing: ImagePreprocessing { model.preprocessing }

    /// One pass over `image` up to the deepest of `layers`, keeping each of their outputs `[1, ...]`.
    public func features(of image: Image, layers: Set<String>) -> BackboneFeatures {
        let outputs = model.network(model.preprocessing.tensor(for: image), outputs: Array(layers))
        return BackboneFeatures(identity: identity, preprocessing: model.preprocessing, imageWidth: image.width,
                                imageHeight: image.height, layers: outputs)
    }

    /// The passes of `images` in one network call over the stacked batch `[N, C, S, S]`, split
    /// back into one `BackboneFeatures` per image (each layer `[1, ...]`). Every layer of the
    /// network computes each image on its own (a convolution is one GEMM per image), so each
    /// image's activations are bit for bit those of `features(of:layers:)` alone (tested).
    public func features(of images: [Image], layers: Set<String>) -> [BackboneFeatures] {
        guard images.count > 1 else { return images.map { features(of: $0, layers: layers) } }
        let batch = Tensor.stack(images.map { model.preprocessing.tensor(for: $0).item(0) })
        let outputs = model.network(batch, outputs: Array(layers))
        return images.indices.map { n in
            BackboneFeatures(identity: identity, preprocessing: model.preprocessing, imageWidth: images[n].width,
                             imageHeight: images[n].height,
                             layers: outputs.mapValues { $0.items(n..<(n + 1)) })
        }
    }

    /// `featureLayer`'s activations of one image: `[C]` when pooled, `[C * H * W]` otherwise.
    public func featureVector(_ features: BackboneFeatures) -> [Float] {
        let map = features[featureLayer]
        return pooled && map.rank == 4 ? GlobalAvgPool()(map).scalars : map.scalars
    }

    /// The `features` output of a batch: `[N, C]` when pooled, `[N, C, H, W]` otherwise (N = images.count).
    public func features(of images: [Image]) -> Tensor {
        precondition(!images.isEmpty, "CNNBackbone: no images")
        // each preprocessed image is [1, C, S, S]; stack them as [N, C, S, S]
        let batch = Tensor.stack(images.map { model.preprocessing.tensor(for: $0).item(0) })
        let map = model.network(batch, through: featureLayer)
        return pooled && map.rank == 4 ? GlobalAvgPool()(map) : map
    }
}

extension CNNBackbone {
    /// The registry entry: `architecture`, `weights`, `layer`, `pooled`.
    public static let registryEntry = Conformance(
        kind: .backbone, name: conformanceName, summary: "a pretrained CNN run once per image, shared by every later stage",
        parameters: [
            ParameterSpec("architecture", .string, default: .string(Architecture.squeezenet.rawValue),
                          help: Architecture.names.joined(separator: " or ")),
            ParameterSpec("weights", .file, default: .string("datasets/weights/squeezenet1_1.safetensors"),
                          help: "safetensors weights of the architecture (preprocess.* metadata, or its published preprocessing)"),
            ParameterSpec("layer", .string, default: .string("fire9"), help: "the layer written as the features output"),
            ParameterSpec("pooled", .bool, default: .bool(true), help: "global-average-pool the features output to one vector"),
        ]
    ) { parameters in
        let name = parameters.string("architecture", default: Architecture.squeezenet.rawValue)
        guard let architecture = Architecture(name: name) else {
            throw StageError(file: parameters.file, problem: "unknown architecture \"\(name)\"; known: \(Architecture.names.joined(separator: ", "))")
        }
        return .backbone(try CNNBackbone(
            architecture: architecture, weights: parameters.string("weights", default: ""),
            layer: parameters.string("layer", default: "fire9"), pooled: parameters.bool("pooled", default: true)))
    }
}
