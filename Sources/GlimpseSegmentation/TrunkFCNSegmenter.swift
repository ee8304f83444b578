// TrunkFCNSegmenter: the `trunk-fcn` segmenter stage: TrunkFCNNetwork's head on a detector's
// trunk. Its weights file carries an unchanged copy of the trunk and the detector file's identity
// (`backbone.*`), so in a pipeline whose detector is that file the trunk runs once per image for
// both; alone, the stage brings the trunk as its own backbone. The image is resized to the
// detector's input (the trunk's view of it), the head scores relu6's cells, and the label map
// is the argmax of the scores interpolated at each pixel of the image's own size.

import Foundation
import GlimpseDetection
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// A segmentation head on a detector's shared trunk as a pipeline segmenter.
public struct TrunkFCNSegmenter: Segmenter {
    /// `"trunk-fcn"`.
    public static let conformanceName = "trunk-fcn"

    /// Trunk and head.
    public let network: TrunkFCNNetwork
    /// What the weights file says.
    public let description: SegmenterDescription
    /// The trunk as a pipeline backbone (the detector file's identity when the file records one).
    public let trunk: DetectorTrunk

    /// Wraps a network, its description and the identity of its trunk's weights.
    public init(network: TrunkFCNNetwork, description: SegmenterDescription, identity: BackboneIdentity) {
        precondition(network.classes == description.classes.count,
                     "TrunkFCNSegmenter: \(network.classes) scores for \(description.classes.count) classes")
        (self.network, self.description) = (network, description)
        trunk = DetectorTrunk(trunk: network.trunk, preprocessing: description.preprocessing, identity: identity)
    }

    /// Loads a weights file written by `glimpse train segmenter --trunk`; throws `StageError`
    /// naming the file when it is unreadable, not trunk-fcn weights, or its tensors do not fit.
    public init(weights path: String) throws {
        let data = try StageWeights.mappedData(of: path, role: "segmenter")
        let file = try SafetensorsFile(data: data, source: path)
        let description = try SegmenterDescription(metadata: file.metadata, file: path)
        guard description.method == Self.conformanceName else {
            throw StageError(file: path, problem: "holds a \(description.method) segmenter, not \(Self.conformanceName)"
                             + " (use it as `segmenter: {use: \(description.method), weights: ...}`)")
        }
        guard let score = file["head.seg_score.weight"], score.shape.count == 4, let conv = file["head.seg_conv.weight"], conv.shape.count == 4,
              let conv1 = file["trunk.conv1.weight"], conv1.shape.count == 4 else {
            throw StageError(file: path, problem: "no trunk.conv1, head.seg_conv or head.seg_score tensors of trunk-fcn's shapes")
        }
        guard score.shape[0] == description.classes.count else {
            throw StageError(file: path, problem: "head.seg_score scores \(score.shape[0]) classes, the metadata lists \(description.classes.count)")
        }
        let full = DeepConvNet.make(classes: 10, seed: 0, inputChannels: conv1.shape[1])
        guard let end = full.layers.firstIndex(where: { $0.name == TrunkFCNNetwork.featureLayer }) else {
            preconditionFailure("TrunkFCNSegmenter: DeepConvNet has no \(TrunkFCNNetwork.featureLayer)")
        }
        let trunk = Sequential(Array(full.layers[...end]).map { ($0.name, $0.layer) })
        let head = TrunkFCNNetwork.makeHead(channels: conv.shape[1], hidden: conv.shape[0], classes: score.shape[0], seed: 0)
        var container = TrunkFCNNetwork(trunk: trunk, head: head, inputSize: description.preprocessing.inputSize).container
        do {
            try container.load(from: file)
        } catch {
            throw StageError(file: path, problem: "\(error)")
        }
        guard let loadedTrunk = container["trunk"] as? Sequential, let loadedHead = container["head"] as? Sequential else {
            preconditionFailure("TrunkFCNSegmenter: the container lost its trunk or head")
        }
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        let identity = BackboneIdentity(metadata: description.extra)
            ?? BackboneIdentity(architecture: "trunk-fcn-deepconvnet", weightsDigest: digest, weightsFile: path)
        self.init(network: TrunkFCNNetwork(trunk: loadedTrunk, head: loadedHead, inputSize: description.preprocessing.inputSize),
                  description: description, identity: identity)
    }

    /// The class names by id.
    public var categories: [String] { description.classes }

    /// The trunk's relu6, through the pipeline's shared pass.
    public var backboneRequirement: BackboneRequirement? {
        BackboneRequirement(backbone: trunk, layers: [TrunkFCNNetwork.featureLayer])
    }

    /// The label map of `input.image` from its trunk features.
    public func segment(_ input: StageInput) throws -> LabelMap {
        guard let features = input.features else { preconditionFailure("TrunkFCNSegmenter: no trunk features given") }
        return labelMap(featureMap: features[TrunkFCNNetwork.featureLayer], imageWidth: input.image.width, imageHeight: input.image.height)
    }

    /// The label map of `image`, running the trunk itself.
    public func labelMap(of image: Image) -> LabelMap {
        labelMap(featureMap: network.trunk(description.preprocessing.tensor(for: image)), imageWidth: image.width, imageHeight: image.height)
    }

    /// The label map of an image from its trunk map `[1, 64, h, w]`.
    public func labelMap(featureMap: Tensor, imageWidth: Int, imageHeight: Int) -> LabelMap {
        TrunkFCNNetwork.labelMap(scores: network.scores(featureMap: featureMap), inputSize: network.inputSize,
                                 imageWidth: imageWidth, imageHeight: imageHeight)
    }
}

extension TrunkFCNSegmenter {
    /// The registry entry: `weights`.
    public static let registryEntry = Conformance(
        kind: .segmenter, name: conformanceName,
        summary: "FCN head on a detector's trunk: per-pixel classes from the trunk pass the detector shares",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/trunk-fcn-scenes.safetensors"),
                          help: "weights written by glimpse train segmenter --trunk"),
        ]
    ) { parameters, context in
        .segmenter(try TrunkFCNSegmenter(weights: parameters.string("weights", default: "")))
    }
}
