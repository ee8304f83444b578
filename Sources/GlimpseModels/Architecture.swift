// Architecture: the one registry of networks Glimpse builds by name (`train`, `finetune`,
// `weights import`, the pipeline's backbones), with what each user needs to know about it: its
// head, its layers (for "freeze all but the head"), the input its weights expect and the layer
// whose output is its class scores.

import GlimpseImaging
import GlimpseNN

/// A network Glimpse can build by name.
public enum Architecture: String, CaseIterable, Sendable, Equatable {
    /// The seed text's DeepConvNet: `[N, 1, 28, 28]` in [0, 1].
    case deepconvnet
    /// SqueezeNet 1.1: `[N, 3, 227, 227]`, preprocessing from its weights file.
    case squeezenet

    /// The architecture called `name`: its raw value, or another name its published weights go by
    /// (`squeezenet1.1`).
    public init?(name: String) {
        if let known = Architecture(rawValue: name) {
            self = known
        } else if let alias = Self.aliases[name] {
            self = alias
        } else {
            return nil
        }
    }

    /// Other names accepted by `init(name:)`.
    public static let aliases: [String: Architecture] = ["squeezenet1.1": .squeezenet]

    /// Every accepted name, sorted (for help texts and errors).
    public static var names: [String] { (allCases.map(\.rawValue) + aliases.keys).sorted() }

    /// The class count of the published weights a network is built for when none is given
    /// (ImageNet-1k for SqueezeNet, the ten digits for DeepConvNet).
    public var defaultClasses: Int { self == .deepconvnet ? 10 : 1000 }

    /// The last layer, whose output is the class scores `[N, classes]`.
    public var outputLayer: String { self == .deepconvnet ? "dropout2" : "pool10" }

    /// A freshly initialised network with `classes` outputs.
    public func make(classes: Int, seed: UInt64) -> Sequential {
        switch self {
        case .deepconvnet: return DeepConvNet.make(classes: classes, seed: seed)
        case .squeezenet: return SqueezeNet.make(classes: classes, seed: seed)
        }
    }

    /// The layer that maps features to class scores, replaced when fine-tuning to new classes.
    public var head: String {
        switch self {
        case .deepconvnet: return "fc2"
        case .squeezenet: return "conv10"
        }
    }

    /// The names of the layers that hold parameters, input to output.
    public var parameterLayers: [String] {
        switch self {
        case .deepconvnet: return ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "fc1", "fc2"]
        case .squeezenet: return ["conv1"] + (2...9).map { "fire\($0)" } + ["conv10"]
        }
    }

    /// The input the shipped weights were trained on: DeepConvNet's MNIST scaling (bytes x 1/255,
    /// exactly what the IDX reader does) and SqueezeNet 1.1's Keras preprocessing (BGR, mean
    /// subtracted, 227 px), the values in `datasets/weights/squeezenet1_1.safetensors`. A weights
    /// file's own `preprocess.*` metadata takes precedence over these.
    public var defaultPreprocessing: ImagePreprocessing {
        switch self {
        case .deepconvnet:
            return ImagePreprocessing(inputSize: 28, channelOrder: "gray", mean: [0], std: [1], scale: 1 / 255)
        case .squeezenet:
            return ImagePreprocessing(inputSize: 227, channelOrder: "BGR", mean: ImagePreprocessing.caffeBGRMean,
                                      std: [1, 1, 1], scale: 1)
        }
    }

    /// Images per evaluation batch: large for the small network, bounded for the 227 px one.
    public var evaluationBatchSize: Int { self == .deepconvnet ? 500 : 32 }
}
