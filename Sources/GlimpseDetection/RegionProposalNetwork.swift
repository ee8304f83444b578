// RegionProposalNetwork: the `rpn` region proposer (Ren et al. 2015). Its trunk runs once per
// image as a pipeline backbone (DetectorTrunk, identity: the weights file's digest, or the Fast
// R-CNN detector's whose trunk it kept frozen, so the two share the pass); the head
// scores every anchor of the feature map and `RPNProposalSettings` turns the scores and deltas
// into the image's proposals. A pipeline puts it where it has `selective-search`, in front of
// any detector.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// A trained region proposal network as a pipeline proposer.
public struct RegionProposalNetwork: RegionProposer {
    /// `"rpn"`.
    public static let conformanceName = "rpn"

    /// The trained network.
    public let network: RPNNetwork
    /// What the weights file says (anchors, preprocessing, recipe).
    public let description: RPNDescription
    /// Pre-NMS top k, NMS, minimum size and the number kept.
    public let settings: RPNProposalSettings
    /// The trunk as a backbone.
    public let trunk: DetectorTrunk
    /// The anchors of the network's feature map, in input pixels.
    public let anchors: [BoundingBox]

    /// Wraps a network; `file` names the weights in errors. Throws `StageError` naming `file`
    /// when the anchors do not fit the network's feature map.
    public init(network: RPNNetwork, description: RPNDescription, settings: RPNProposalSettings = RPNProposalSettings(),
                identity: BackboneIdentity, file: String) throws {
        try description.anchors.check(headChannels: network.anchorsPerPosition, featureHeight: network.featureSize,
                                      featureWidth: network.featureSize, inputSize: network.inputSize, file: file)
        guard network.featureSize == description.featureSize else {
            throw StageError(file: file, problem: "the anchors do not fit the feature map: they were trained on a \(description.featureSize)x"
                             + "\(description.featureSize) map, the trunk gives \(network.featureSize)x\(network.featureSize) on a \(network.inputSize) px input")
        }
        (self.network, self.description, self.settings) = (network, description, settings)
        trunk = DetectorTrunk(trunk: network.trunk, preprocessing: description.preprocessing, identity: identity)
        anchors = description.anchors.anchors(featureHeight: network.featureSize, featureWidth: network.featureSize, inputSize: network.inputSize)
    }

    /// Loads an `rpn` weights file written by `glimpse train proposer`; throws `StageError` naming
    /// the file when it is unreadable, another kind of weights, or its tensors or anchors do not fit.
    public init(weights path: String, settings: RPNProposalSettings = RPNProposalSettings()) throws {
        let data = try StageWeights.mappedData(of: path, role: "region proposal network")
        let file = try SafetensorsFile(data: data, source: path)
        let description = try RPNDescription(file: file, path: path)
        let first = description.trunk.firstWeightName
        guard let scores = file["rpn_cls_score.weight"], let conv = file["rpn_conv.weight"], let conv1 = file[first],
              scores.shape.count == 4, conv.shape.count == 4, conv1.shape.count == 4 else {
            throw StageError(file: path, problem: "no rpn_cls_score, rpn_conv or \(first.dropLast(7)) tensors of a region proposal network's shapes")
        }
        guard description.preprocessing.inputSize >= 32 else {
            throw StageError(file: path, problem: "preprocess.input_size \(description.preprocessing.inputSize) is under 32 px")
        }
        var network = RPNNetwork(anchorsPerPosition: scores.shape[0], inputSize: description.preprocessing.inputSize,
                                 inputChannels: conv1.shape[1], hidden: conv.shape[0], featureLayer: description.featureLayer,
                                 trunkKind: description.trunk, seed: 0)
        do {
            try network.load(from: file)
        } catch {
            throw StageError(file: path, problem: "\(error)")
        }
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        // A trunk trained frozen from a detector's is that detector's backbone: one pass serves both.
        let identity = description.sharedTrunk ?? BackboneIdentity(architecture: "rpn-\(description.trunk.name)", weightsDigest: digest, weightsFile: path)
        try self.init(network: network, description: description, settings: settings, identity: identity, file: path)
    }

    /// Its own trunk's feature map.
    public var backboneRequirement: BackboneRequirement? {
        BackboneRequirement(backbone: trunk, layers: [network.featureLayer])
    }

    /// The proposals of one image from the trunk features the pipeline computed (or, without
    /// them, from its own trunk pass), best first, in image pixels.
    public func propose(_ input: StageInput) throws -> [BoundingBox] {
        let map = input.features?[network.featureLayer] ?? network(description.preprocessing.tensor(for: input.image))
        return proposals(featureMap: map, imageWidth: input.image.width, imageHeight: input.image.height)
    }

    /// The proposals of `image` (benchmarks, training validation).
    public func propose(in image: Image) -> [BoundingBox] {
        proposals(featureMap: network(description.preprocessing.tensor(for: image)), imageWidth: image.width, imageHeight: image.height)
    }

    /// The head and the selection on a trunk map `[1, 64, h, w]`.
    func proposals(featureMap: Tensor, imageWidth: Int, imageHeight: Int) -> [BoundingBox] {
        let (logits, deltas) = network.heads(features: featureMap)
        return settings.proposals(logits: logits, deltas: deltas, anchors: anchors, inputSize: network.inputSize,
                                  imageWidth: imageWidth, imageHeight: imageHeight)
    }
}

extension RegionProposalNetwork {
    /// The registry entry: `weights`, `max`, `pre_nms`, `nms`, `min_size`.
    public static let registryEntry = Conformance(
        kind: .proposer, name: conformanceName,
        summary: "region proposal network (Ren et al. 2015): anchors scored and regressed on a DeepConvNet trunk, NMS 0.7",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/rpn-scenes.safetensors"),
                          help: "weights written by glimpse train proposer"),
            ParameterSpec("max", .int, default: .int(300), help: "proposals kept per image after NMS"),
            ParameterSpec("pre_nms", .int, default: .int(6000), help: "highest-scoring anchors decoded before NMS"),
            ParameterSpec("nms", .float, default: .float(0.7), help: "NMS between proposals: suppress IoU above this"),
            ParameterSpec("min_size", .float, default: .float(2), help: "drop proposals narrower or lower than this (image pixels)"),
        ]
    ) { parameters in
        let (max, preNMS) = (parameters.int("max", default: 300), parameters.int("pre_nms", default: 6000))
        let (nms, minSize) = (parameters.float("nms", default: 0.7), parameters.float("min_size", default: 2))
        guard max >= 1, preNMS >= 1, (0...1).contains(nms), minSize >= 0, minSize.isFinite else {
            throw StageError(file: parameters.file, problem: "rpn: max and pre_nms must be at least 1, nms in [0, 1], min_size >= 0")
        }
        return .proposer(try RegionProposalNetwork(
            weights: parameters.string("weights", default: ""),
            settings: RPNProposalSettings(preNMS: preNMS, nmsThreshold: nms, maxProposals: max, minSize: Float(minSize))))
    }
}
