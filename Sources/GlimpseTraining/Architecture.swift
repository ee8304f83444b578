// Architecture: the networks `train` and `finetune` can build by name, with what fine-tuning
// needs to know about each: its head, its layers (for "freeze all but the head") and the input
// its weights expect.

import GlimpseImaging
import GlimpseNN

/// A network the trainers can build by name.
public enum Architecture: String, CaseIterable, Sendable, Equatable {
    /// The seed text's DeepConvNet: `[N, 1, 28, 28]` in [0, 1].
    case deepconvnet
    /// SqueezeNet 1.1: `[N, 3, 227, 227]`, preprocessing from its weights file.
    case squeezenet

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
            return ImagePreprocessing(inputSize: 227, channelOrder: "BGR", mean: [103.939, 116.779, 123.68],
                                      std: [1, 1, 1], scale: 1)
        }
    }

    /// Images per evaluation batch: large for the small network, bounded for the 227 px one.
    public var evaluationBatchSize: Int { self == .deepconvnet ? 500 : 32 }
}
