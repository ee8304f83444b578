// MTCNN's three networks (Zhang et al. 2016, "Joint Face Detection and Alignment using
// Multi-task Cascaded Convolutional Networks"), layer for layer as the released Caffe models and
// their ports (facenet-pytorch's `PNet`, `RNet`, `ONet`; PyPI `mtcnn`'s Keras models):
//
// P-Net (fully convolutional, any size >= 12): conv 3x3 (10) - PReLU - max 2/2 - conv 3x3 (16) -
//   PReLU - conv 3x3 (32) - PReLU - [conv4_1 1x1 (2 face scores), conv4_2 1x1 (4 box offsets)]
// R-Net (24x24): conv 3x3 (28) - PReLU - max 3/2 - conv 3x3 (48) - PReLU - max 3/2 - conv 2x2 (64)
//   - PReLU - dense 576 -> 128 - PReLU - [dense5_1 (2 scores), dense5_2 (4 offsets)]
// O-Net (48x48): conv 3x3 (32) - PReLU - max 3/2 - conv 3x3 (64) - PReLU - max 3/2 - conv 3x3 (64)
//   - PReLU - max 2/2 - conv 2x2 (128) - PReLU - dense 1152 -> 256 - PReLU -
//   [dense6_1 (2 scores), dense6_2 (4 offsets), dense6_3 (10 landmark coordinates)]
//
// Pools round up (Caffe's, PyTorch's `ceil_mode=True`). The heads are one `Concat`, so each
// network gives one tensor: P-Net `[N, 6, H', W']` and R-Net `[N, 6]` (2 scores, then 4 offsets),
// O-Net `[N, 16]` (2 scores, 4 offsets, 10 landmark coordinates: five x, then five y). Scores are
// logits; the detector applies the softmax. The weights come from the Keras file through
// `WeightImportTable.kerasMTCNN`, whose dense layers after the flatten are re-ordered for
// Glimpse's `[C, H, W]` flatten.

import Foundation
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor

/// MTCNN's P-Net, R-Net and O-Net with their weights.
public struct MTCNN: Sendable {
    /// The proposal network, fully convolutional: `[N, 3, H, W]` -> `[N, 6, (H - 10) / 2 ceil'd ..., ...]`.
    public let pnet: Sequential
    /// The refinement network: `[N, 3, 24, 24]` -> `[N, 6]`.
    public let rnet: Sequential
    /// The output network: `[N, 3, 48, 48]` -> `[N, 16]`.
    public let onet: Sequential
    /// The weights file's path as given.
    public let weightsFile: String

    /// The Keras list-index name of every tensor in PyPI `mtcnn` 1.0.0's weights and its Glimpse
    /// name. The order within each network is Keras's: layers in definition order, and R-Net's and
    /// O-Net's box head before the score head (facenet-pytorch's `tensorflow2pytorch` maps the same).
    public static let kerasNames: [String: String] = {
        var names = [String: String]()
        func add(_ network: String, _ layers: [String]) {
            for (index, layer) in layers.enumerated() {
                names[network + "/" + (index < 10 ? "0" : "") + String(index)] = network + "." + layer
            }
        }
        func trunk(_ convolutions: Int) -> [String] {
            (1...convolutions).flatMap { ["conv\($0).weight", "conv\($0).bias", "prelu\($0).alpha"] }
        }
        add("pnet", trunk(3) + ["heads.conv4_2.weight", "heads.conv4_2.bias", "heads.conv4_1.weight", "heads.conv4_1.bias"])
        add("rnet", trunk(3) + ["dense4.weight", "dense4.bias", "prelu4.alpha",
                                "heads.dense5_2.weight", "heads.dense5_2.bias", "heads.dense5_1.weight", "heads.dense5_1.bias"])
        add("onet", trunk(4) + ["dense5.weight", "dense5.bias", "prelu5.alpha",
                                "heads.dense6_2.weight", "heads.dense6_2.bias", "heads.dense6_3.weight", "heads.dense6_3.bias",
                                "heads.dense6_1.weight", "heads.dense6_1.bias"])
        return names
    }()

    /// Builds the three networks (zero weights, to be loaded).
    public static func makeNetworks() -> (pnet: Sequential, rnet: Sequential, onet: Sequential) {
        func conv(_ i: Int, _ o: Int, _ k: Int) -> Conv2D {
            Conv2D(weight: Tensor(zeros: [o, i, k, k]), bias: Tensor(zeros: [o]))
        }
        func dense(_ i: Int, _ o: Int) -> Linear { Linear(weight: Tensor(zeros: [o, i]), bias: Tensor(zeros: [o])) }
        func pool(_ k: Int) -> MaxPool2D { MaxPool2D(kernelSize: k, stride: 2, ceilMode: true) }
        let pnet = Sequential([
            ("conv1", conv(3, 10, 3)), ("prelu1", PReLU(channels: 10)), ("pool1", pool(2)),
            ("conv2", conv(10, 16, 3)), ("prelu2", PReLU(channels: 16)),
            ("conv3", conv(16, 32, 3)), ("prelu3", PReLU(channels: 32)),
            ("heads", Concat([("conv4_1", conv(32, 2, 1)), ("conv4_2", conv(32, 4, 1))])),
        ])
        let rnet = Sequential([
            ("conv1", conv(3, 28, 3)), ("prelu1", PReLU(channels: 28)), ("pool1", pool(3)),
            ("conv2", conv(28, 48, 3)), ("prelu2", PReLU(channels: 48)), ("pool2", pool(3)),
            ("conv3", conv(48, 64, 2)), ("prelu3", PReLU(channels: 64)),
            ("flatten", Flatten()), ("dense4", dense(576, 128)), ("prelu4", PReLU(channels: 128)),
            ("heads", Concat([("dense5_1", dense(128, 2)), ("dense5_2", dense(128, 4))])),
        ])
        let onet = Sequential([
            ("conv1", conv(3, 32, 3)), ("prelu1", PReLU(channels: 32)), ("pool1", pool(3)),
            ("conv2", conv(32, 64, 3)), ("prelu2", PReLU(channels: 64)), ("pool2", pool(3)),
            ("conv3", conv(64, 64, 3)), ("prelu3", PReLU(channels: 64)), ("pool3", pool(2)),
            ("conv4", conv(64, 128, 2)), ("prelu4", PReLU(channels: 128)),
            ("flatten", Flatten()), ("dense5", dense(1152, 256)), ("prelu5", PReLU(channels: 256)),
            ("heads", Concat([("dense6_1", dense(256, 2)), ("dense6_2", dense(256, 4)), ("dense6_3", dense(256, 10))])),
        ])
        return (pnet, rnet, onet)
    }

    /// Loads the three networks from tensors named `pnet.conv1.weight` ... (Glimpse names and
    /// layouts); throws `SafetensorsError.namesMismatch` naming `source` and every missing,
    /// unexpected or misshapen tensor.
    public init(tensors: [String: Tensor], source: String) throws {
        var (pnet, rnet, onet) = Self.makeNetworks()
        // one check over all three, so another model's file is reported in one error
        var expected = [String: [Int]]()
        for (prefix, network) in [("pnet", pnet), ("rnet", rnet), ("onet", onet)] {
            for (name, shape) in network.stateShapes { expected[prefix + "." + name] = shape }
        }
        try SafetensorsFile.checkNames(found: tensors.mapValues(\.shape), expected: expected, source: source)
        func part(_ prefix: String) -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: tensors.compactMap { name, tensor in
                name.hasPrefix(prefix + ".") ? (String(name.dropFirst(prefix.count + 1)), tensor) : nil
            })
        }
        try pnet.load(part("pnet"), source: source + " (pnet)")
        try rnet.load(part("rnet"), source: source + " (rnet)")
        try onet.load(part("onet"), source: source + " (onet)")
        (self.pnet, self.rnet, self.onet, self.weightsFile) = (pnet, rnet, onet, source)
    }

    /// Loads PyPI `mtcnn` 1.0.0's Keras weights file (`datasets/weights/mtcnn_pnet_rnet_onet_keras.safetensors`)
    /// through `WeightImportTable.kerasMTCNN`; throws naming the file when it cannot be read or
    /// is not those weights.
    public init(kerasWeights path: String) throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: path))
        try self.init(tensors: WeightImportTable.kerasMTCNN.convert(file), source: path)
    }
}
