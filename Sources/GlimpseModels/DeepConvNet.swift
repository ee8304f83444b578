// DeepConvNet: the seed text's deep CNN for MNIST ("Deep Learning from Scratch", ch08,
// deep_convnet.py), exactly: six 3x3 convolutions with ReLU in three pairs, each pair
// followed by 2x2 max-pooling (the fourth convolution pads by 2), then
// Linear(1024 -> 50)-ReLU-Dropout(0.5)-Linear(50 -> 10)-Dropout(0.5), He initialisation.
// The book reports 99.38% test accuracy.

import GlimpseNN
import GlimpseTensor

/// Builders for the seed text's MNIST network.
public enum DeepConvNet {
    /// The parameter names, in order: `conv1.weight`, `conv1.bias`, ..., `fc2.bias`.
    public static let parameterNames: [String] =
        ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "fc1", "fc2"].flatMap { [$0 + ".weight", $0 + ".bias"] }

    /// The network for `[N, 1, 28, 28]` inputs giving `[N, classes]` logits, He-initialised from `seed`.
    ///
    /// The first convolution does not compute the gradient with respect to the image.
    /// As in the seed text, every weight is drawn from N(0, 2 / fanIn) and biases start at zero.
    /// `inputChannels` 3 builds the same network for colour input `[N, 3, 28, 28]` (a detector's
    /// trunk on colour scenes; see `colorFirstLayer(fromGray:)`).
    public static func make(classes: Int = 10, seed: UInt64, inputChannels: Int = 1) -> Sequential {
        precondition(inputChannels >= 1, "DeepConvNet: \(inputChannels) input channels")
        var random = SeededGenerator(seed: seed)
        func conv(_ inChannels: Int, _ outChannels: Int, padding: Int = 1) -> Conv2D {
            Conv2D(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: padding, random: &random)
        }
        var conv1 = conv(inputChannels, 16)
        conv1.computesInputGradient = false  // its input is the image
        return Sequential([
            ("conv1", conv1), ("relu1", ReLU()),
            ("conv2", conv(16, 16)), ("relu2", ReLU()),
            ("pool1", MaxPool2D(kernelSize: 2)),
            ("conv3", conv(16, 32)), ("relu3", ReLU()),
            ("conv4", conv(32, 32, padding: 2)), ("relu4", ReLU()),
            ("pool2", MaxPool2D(kernelSize: 2)),
            ("conv5", conv(32, 64)), ("relu5", ReLU()),
            ("conv6", conv(64, 64)), ("relu6", ReLU()),
            ("pool3", MaxPool2D(kernelSize: 2)),
            ("flatten", Flatten()),
            ("fc1", Linear(inFeatures: 64 * 4 * 4, outFeatures: 50, random: &random)), ("relu7", ReLU()),
            ("dropout1", Dropout(probability: 0.5)),
            ("fc2", Linear(inFeatures: 50, outFeatures: classes, random: &random)),
            ("dropout2", Dropout(probability: 0.5)),
        ])
    }

    /// The BT.601 luma weights of (R, G, B): what `Image.grayscale()` computes a gray pixel from.
    public static let lumaWeights: [Float] = [0.299, 0.587, 0.114]

    /// `conv1.weight` `[16, 1, 3, 3]` of gray weights made into `[16, 3, 3, 3]` for RGB input:
    /// each colour plane gets the gray filter times its luma weight, so on any RGB image the
    /// colour network computes what the gray network computes on `Image.grayscale()` of it (up
    /// to the gray conversion's rounding to bytes). Fine-tuning then learns colour from there.
    public static func colorFirstLayer(fromGray weight: Tensor) -> Tensor {
        precondition(weight.rank == 4 && weight.shape[1] == 1, "DeepConvNet.colorFirstLayer: expected [O, 1, kH, kW], got \(weight.shape)")
        let (o, k) = (weight.shape[0], weight.shape[2] * weight.shape[3])
        let gray = weight.scalars
        var color = [Float](repeating: 0, count: o * 3 * k)
        for f in 0..<o {
            for c in 0..<3 {
                for i in 0..<k { color[(f * 3 + c) * k + i] = gray[f * k + i] * lumaWeights[c] }
            }
        }
        return Tensor(shape: [o, 3, weight.shape[2], weight.shape[3]], scalars: color)
    }
}
