// RPNTrunk: which convolutional trunk a region proposal network reads its feature map from.
//
//   deepconvnet  the seed text's DeepConvNet conv1..relu6 (or pool3), Fast R-CNN's trunk: 64
//                channels, a 49x49 map on the 192 px input (~0.7 GFLOP per image); it can be
//                shared with a Fast R-CNN detector (RPNDescription.sharedTrunk).
//   tiny         the RPN's own small trunk, sized for the 128 px scenes (digits 5-45 px): three
//                3x3 convolutions with ReLUs, the first two at stride 2, so the map has stride 4
//                (32x32 at 128 px) and the head's 3x3 convolution sees 31 px:
//
//     image [N, 3, S, S] -> tiny_conv1 3x3 s2 (pad 1), ReLU -> [N, w1, S/2, S/2]
//                        -> tiny_conv2 3x3 s2 (pad 1), ReLU -> [N, w2, S/4, S/4]
//                        -> tiny_conv3 3x3 s1 (pad 1), ReLU -> [N, w3, S/4, S/4]
//
//                with widths (w1, w2, w3) = (8, 16, 24) by default: 0.9 + 1.2 + 3.5 million
//                multiply-adds at 128 px, and 5.3 + 1.8 more for a 24-channel head with 15 anchors
//                (12.8 million, about 25 MFLOP per image in all; DeepConvNet's RPN: about 0.9 G).
//
// A weights file names its trunk under `rpn.trunk` (files without the key predate the tiny trunk
// and hold DeepConvNet's); the widths are read from the tensors' shapes.

import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// The trunk a region proposal network runs before its head.
public enum RPNTrunk: Sendable, Equatable {
    /// DeepConvNet's conv1..relu6 (Fast R-CNN's trunk).
    case deepconvnet
    /// The RPN's own three-convolution trunk with these output channels per convolution.
    case tiny(widths: [Int])

    /// The tiny trunk's default widths.
    public static let tinyWidths = [8, 16, 24]

    /// The names a weights file and the command line use: `deepconvnet`, `tiny`.
    public static let names = ["deepconvnet", "tiny"]

    /// `deepconvnet` or `tiny` (the `rpn.trunk` metadata value).
    public var name: String {
        switch self {
        case .deepconvnet: "deepconvnet"
        case .tiny: "tiny"
        }
    }

    /// The trunk called `name` (`tiny` with `widths`), or nil for an unknown name.
    public init?(name: String, widths: [Int] = RPNTrunk.tinyWidths) {
        switch name {
        case "deepconvnet": self = .deepconvnet
        case "tiny": self = .tiny(widths: widths)
        default: return nil
        }
    }

    /// The layers a head may read: DeepConvNet's `pool3`, `relu6`; the tiny trunk's last ReLU.
    public var featureLayers: [String] {
        switch self {
        case .deepconvnet: FastRCNNNetwork.featureLayers
        case .tiny: ["tiny_relu3"]
        }
    }

    /// The layer a head reads by default (`relu6`, `tiny_relu3`).
    public var defaultFeatureLayer: String { featureLayers.last! }

    /// The input side it was designed for: 192 px (Fast R-CNN's) or the scenes' native 128 px.
    public var defaultInputSize: Int {
        switch self {
        case .deepconvnet: 192
        case .tiny: 128
        }
    }

    /// Channels of its feature map at `featureLayer` (DeepConvNet's are 64 at both layers).
    public var outputChannels: Int {
        switch self {
        case .deepconvnet: 64
        case .tiny(let widths): widths.last!
        }
    }

    /// The name of the weight tensor of its first convolution (`conv1.weight`, `tiny_conv1.weight`).
    public var firstWeightName: String {
        switch self {
        case .deepconvnet: "conv1.weight"
        case .tiny: "tiny_conv1.weight"
        }
    }

    /// The trunk's layers up to `featureLayer` (one of `featureLayers`) for `inputChannels`-channel
    /// images, freshly initialised from `seed` (He initialisation for the tiny trunk).
    public func makeLayers(featureLayer: String, inputChannels: Int, seed: UInt64) -> Sequential {
        precondition(featureLayers.contains(featureLayer), "RPNTrunk: feature layer \(featureLayer) of \(name)")
        switch self {
        case .deepconvnet:
            return FastRCNNNetwork.makeTrunk(featureLayer: featureLayer, inputChannels: inputChannels, seed: seed)
        case .tiny(let widths):
            precondition(widths.count == 3 && widths.allSatisfy { $0 >= 1 }, "RPNTrunk: tiny widths \(widths), expected three positive")
            var random = SeededGenerator(seed: seed).derived(0x7469_6e79)
            var layers = [(String, any Layer)]()
            var channels = inputChannels
            for (index, width) in widths.enumerated() {
                let stride = index < 2 ? 2 : 1
                layers.append(("tiny_conv\(index + 1)", Conv2D(inChannels: channels, outChannels: width, kernelSize: 3, stride: stride,
                                                              padding: 1, random: &random)))
                layers.append(("tiny_relu\(index + 1)", ReLU()))
                channels = width
            }
            return Sequential(layers)
        }
    }

    /// The trunk a weights file's tensors hold, checked against what its `rpn.trunk` metadata
    /// (`declared`, nil for files that predate it: DeepConvNet) says. Throws `StageError` naming
    /// `file` for an unknown name or tensors of the other trunk.
    public static func read(declared: String?, tensorShapes: [String: [Int]], file: String) throws -> RPNTrunk {
        let name = declared ?? "deepconvnet"
        guard RPNTrunk(name: name) != nil else {
            throw StageError(file: file, problem: "rpn.trunk \(name): expected one of \(names.joined(separator: ", "))")
        }
        let hasTiny = tensorShapes["tiny_conv1.weight"] != nil, hasDeep = tensorShapes["conv1.weight"] != nil
        if name == "deepconvnet" {
            guard hasDeep else {
                throw StageError(file: file, problem: "the file says its trunk is deepconvnet (rpn.trunk \(declared ?? "absent")) but holds no conv1 tensor"
                                 + (hasTiny ? " (it holds a tiny trunk's tiny_conv1..3: a mismatched weights file)" : ""))
            }
            return .deepconvnet
        }
        var widths = [Int]()
        for index in 1...3 {
            guard let shape = tensorShapes["tiny_conv\(index).weight"], shape.count == 4, shape[2] == 3, shape[3] == 3 else {
                throw StageError(file: file, problem: "the file says its trunk is tiny (rpn.trunk tiny) but holds no 3x3 tiny_conv\(index) tensor"
                                 + (hasDeep ? " (it holds a deepconvnet trunk's conv1..: a mismatched weights file)" : ""))
            }
            widths.append(shape[0])
        }
        return .tiny(widths: widths)
    }
}
