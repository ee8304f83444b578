// SqueezeNet 1.1 (Iandola et al. 2016; the 1.1 revision of DeepScale's Caffe release):
// conv1 3x3/2 (64) - maxpool 3/2 - fire2, fire3 - maxpool 3/2 - fire4, fire5 - maxpool 3/2 -
// fire6..fire9 - dropout 0.5 - conv10 1x1 (classes) - global average pool, on 227x227 inputs.
// Pooling floors (no padding), so 227 -> 113 -> 56 -> 27 -> 13.
//
// The ImageNet weights shipped in datasets/weights (converted from Keras by `glimpse weights
// import`) expect Caffe preprocessing: BGR channel order, mean [103.939, 116.779, 123.68]
// subtracted, no scaling. The original network has a ReLU after conv10; the reference logits
// this project checks against do not, and neither does this definition (`reluAfterClassifier`
// turns it on).

import GlimpseNN
import GlimpseTensor

/// Builders for SqueezeNet 1.1.
public enum SqueezeNet {
    /// The network for `[N, 3, 227, 227]` inputs giving `[N, classes]` logits, He-initialised from `seed`.
    public static func make(classes: Int = 1000, seed: UInt64 = 0, reluAfterClassifier: Bool = false) -> Sequential {
        var random = SeededGenerator(seed: seed)
        func fire(_ inChannels: Int, _ squeeze: Int, _ expand: Int) -> Fire {
            Fire(inChannels: inChannels, squeeze: squeeze, expand1x1: expand, expand3x3: expand, random: &random)
        }
        var layers: [(String, any Layer)] = [
            ("conv1", Conv2D(inChannels: 3, outChannels: 64, kernelSize: 3, stride: 2, random: &random)),
            ("relu1", ReLU()),
            ("pool1", MaxPool2D(kernelSize: 3, stride: 2)),
            ("fire2", fire(64, 16, 64)), ("fire3", fire(128, 16, 64)),
            ("pool3", MaxPool2D(kernelSize: 3, stride: 2)),
            ("fire4", fire(128, 32, 128)), ("fire5", fire(256, 32, 128)),
            ("pool5", MaxPool2D(kernelSize: 3, stride: 2)),
            ("fire6", fire(256, 48, 192)), ("fire7", fire(384, 48, 192)),
            ("fire8", fire(384, 64, 256)), ("fire9", fire(512, 64, 256)),
            ("dropout", Dropout(probability: 0.5)),
            // The classifier starts small, as in the reference implementations (Caffe's and
            // torchvision's normal(0, 0.01)): fire9's activations reach the hundreds, and a He
            // initialisation would start a new head with logits in the tens.
            ("conv10", Conv2D(inChannels: 512, outChannels: classes, kernelSize: 1,
                              initializer: .normal(standardDeviation: 0.01), random: &random)),
        ]
        if reluAfterClassifier { layers.append(("relu10", ReLU())) }
        layers.append(("pool10", GlobalAvgPool()))
        return Sequential(layers)
    }
}
