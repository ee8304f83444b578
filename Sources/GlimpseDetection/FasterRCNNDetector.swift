// FasterRCNNDetector: the `faster-rcnn` detector stage (Ren et al. 2015). One trunk pass per
// image (run by the pipeline as the detector's backbone), then on that one feature map the RPN
// head proposes (RPNProposalSettings: pre-NMS top N, decode, clip, NMS 0.7, top `max_proposals`)
// and the Fast R-CNN head scores and regresses those proposals (FastRCNNDetector's test path:
// per-class decoding, per-class NMS, score threshold, cap). It needs no proposer in the
// pipeline: a pipeline's proposals, if it has a proposer, are not read.
//
// Its weights file holds both heads and the trunk (`glimpse train detector --method
// faster-rcnn`): `detector.*` metadata with method `faster-rcnn`, the anchors (`rpn.anchor_*`)
// and the feature map they were trained on (`rpn.feature_size`).

import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// Faster R-CNN as a pipeline detector: proposals and detections from one shared trunk pass.
public struct FasterRCNNDetector: Detector {
    /// `"faster-rcnn"`.
    public static let conformanceName = "faster-rcnn"

    /// The trained network.
    public let network: FasterRCNNNetwork
    /// The detection half: the Fast R-CNN head's test path on the shared trunk (its description is the file's).
    public let detection: FastRCNNDetector
    /// The anchor shapes.
    public let anchorGrid: AnchorGrid
    /// The anchors of the feature map in input pixels.
    public let anchors: [BoundingBox]
    /// The RPN's test-time selection (its `maxProposals` are the RoIs scored per image).
    public let settings: RPNProposalSettings

    /// Wraps a trained network; throws `StageError` naming `identity.weightsFile` when the anchors
    /// do not fit its RPN head or feature map.
    public init(network: FasterRCNNNetwork, description: DetectorDescription, anchorGrid: AnchorGrid,
                postprocessing: DetectionPostprocessing = .fastRCNN, settings: RPNProposalSettings = RPNProposalSettings(),
                refinementRounds: Int = 0, identity: BackboneIdentity) throws {
        try anchorGrid.check(headChannels: network.anchorsPerPosition, featureHeight: network.featureSize,
                             featureWidth: network.featureSize, inputSize: network.inputSize, file: identity.weightsFile)
        (self.network, self.anchorGrid, self.settings) = (network, anchorGrid, settings)
        detection = FastRCNNDetector(network: network.detector, description: description, postprocessing: postprocessing,
                                     maxProposals: settings.maxProposals, refinementRounds: refinementRounds, identity: identity)
        anchors = anchorGrid.anchors(featureHeight: network.featureSize, featureWidth: network.featureSize, inputSize: network.inputSize)
    }

    /// Loads a `faster-rcnn` weights file written by `glimpse train detector --method
    /// faster-rcnn`; throws `StageError` naming the file when it is unreadable, another kind of
    /// weights (a `fast-rcnn` detector, an `rpn` proposer), or its tensors or anchors do not fit.
    public init(weights path: String, postprocessing: DetectionPostprocessing = .fastRCNN,
                settings: RPNProposalSettings = RPNProposalSettings(), refinementRounds: Int = 0) throws {
        let data = try StageWeights.mappedData(of: path, role: "detector")
        let file = try SafetensorsFile(data: data, source: path)
        let description = try DetectorDescription(metadata: file.metadata, file: path, expecting: Self.conformanceName)
        guard let scores = file["cls_score.weight"], let fc1 = file["fc1.weight"], let conv1 = file["conv1.weight"],
              let objectness = file["rpn_cls_score.weight"], let rpnConv = file["rpn_conv.weight"],
              scores.shape.count == 2, fc1.shape.count == 2, conv1.shape.count == 4, objectness.shape.count == 4, rpnConv.shape.count == 4 else {
            throw StageError(file: path, problem: "no cls_score, fc1, conv1, rpn_conv or rpn_cls_score tensors of Faster R-CNN's shapes")
        }
        guard scores.shape[0] == description.slots else {
            throw StageError(file: path, problem: "cls_score has \(scores.shape[0]) class slots, the metadata lists \(description.categories.count) classes + background")
        }
        let featureLayer = file.metadata["train.feature_layer"] ?? "relu6"
        guard FastRCNNNetwork.featureLayers.contains(featureLayer) else {
            throw StageError(file: path, problem: "train.feature_layer \(featureLayer): expected one of \(FastRCNNNetwork.featureLayers.joined(separator: ", "))")
        }
        guard description.preprocessing.inputSize >= 32 else {
            throw StageError(file: path, problem: "preprocess.input_size \(description.preprocessing.inputSize) is under 32 px")
        }
        let grid = try AnchorGrid(metadata: file.metadata, file: path)
        var network = FasterRCNNNetwork(slots: description.slots, inputSize: description.preprocessing.inputSize,
                                        inputChannels: conv1.shape[1], hidden: fc1.shape[0], featureLayer: featureLayer,
                                        anchorsPerPosition: objectness.shape[0], proposerHidden: rpnConv.shape[0], seed: 0)
        guard let trained = file.metadata["rpn.feature_size"].flatMap({ Int($0) }) else {
            throw StageError(file: path, problem: "\"rpn.feature_size\" is missing or not an integer")
        }
        guard trained == network.featureSize else {
            throw StageError(file: path, problem: "the anchors do not fit the feature map: they were trained on a \(trained)x\(trained) map, "
                             + "the trunk gives \(network.featureSize)x\(network.featureSize) on a \(network.inputSize) px input")
        }
        do {
            try network.load(from: file)
        } catch {
            throw StageError(file: path, problem: "\(error)")
        }
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        try self.init(network: network, description: description, anchorGrid: grid, postprocessing: postprocessing, settings: settings,
                      refinementRounds: refinementRounds, identity: BackboneIdentity(architecture: "faster-rcnn-deepconvnet", weightsDigest: digest, weightsFile: path))
    }

    /// What the weights file says (classes, preprocessing, box normalisation, recipe).
    public var description: DetectorDescription { detection.description }
    /// The object classes.
    public var categories: [String] { detection.categories }
    /// The training set's category ids.
    public var categoryIDs: [Int] { detection.categoryIDs }
    /// Faster R-CNN makes its own proposals.
    public var needsProposals: Bool { false }
    /// Its trunk's feature map (both heads read it).
    public var backboneRequirement: BackboneRequirement? { detection.backboneRequirement }

    /// The detections of one image from its trunk features (`label` indexes `categories`).
    public func detect(_ input: StageInput) throws -> [BoundingBox] {
        guard let features = input.features else { preconditionFailure("FasterRCNNDetector: no trunk features given") }
        return detect(featureMap: features[network.featureLayer], imageWidth: input.image.width, imageHeight: input.image.height)
    }

    /// The detections of `image`, running the trunk itself (training validation, benchmarks).
    public func detect(in image: Image) -> [BoundingBox] {
        detect(featureMap: network(description.preprocessing.tensor(for: image)), imageWidth: image.width, imageHeight: image.height)
    }

    /// The RPN's proposals of an image from its trunk map `[1, 64, h, w]`, best first, in image pixels.
    public func proposals(featureMap: Tensor, imageWidth: Int, imageHeight: Int) -> [BoundingBox] {
        let (logits, deltas) = network.proposer.heads(features: featureMap)
        return settings.proposals(logits: logits, deltas: deltas, anchors: anchors, inputSize: network.inputSize,
                                  imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// Proposals, then detections, on a trunk map `[1, 64, h, w]`.
    func detect(featureMap: Tensor, imageWidth: Int, imageHeight: Int) -> [BoundingBox] {
        let boxes = proposals(featureMap: featureMap, imageWidth: imageWidth, imageHeight: imageHeight)
        return detection.detect(featureMap: featureMap, proposals: boxes, imageWidth: imageWidth, imageHeight: imageHeight)
    }
}

extension FasterRCNNDetector {
    /// The registry entry: `weights`, `score_threshold`, `nms`, `max_detections`, `max_proposals`
    /// (the RPN's proposals kept after its NMS, 300), `box_voting`, `pre_nms`, `rpn_nms`, `min_size`, `refine`.
    public static let registryEntry = Conformance(
        kind: .detector, name: conformanceName,
        summary: "Faster R-CNN: one trunk pass per image, region proposal network and Fast R-CNN head on the shared feature map",
        parameters: DetectorParameters.specs(
            weights: "datasets/weights/faster-rcnn-scenes.safetensors",
            weightsHelp: "weights written by glimpse train detector --method faster-rcnn",
            scoreThreshold: 0.05, scoreHelp: "keep detections scoring above this",
            proposalsHelp: "the RPN's proposals kept after its NMS and scored per image", maxProposals: 300) + [
            ParameterSpec("pre_nms", .int, default: .int(6000), help: "highest-objectness anchors decoded before the RPN's NMS"),
            ParameterSpec("rpn_nms", .float, default: .float(0.7), help: "the RPN's NMS between proposals: suppress IoU above this"),
            ParameterSpec("min_size", .float, default: .float(2), help: "drop proposals narrower or lower than this (image pixels)"),
            DetectorParameters.refineSpec,
        ]
    ) { parameters, context in
        let (preNMS, nms, minSize) = (parameters.int("pre_nms", default: 6000), parameters.float("rpn_nms", default: 0.7),
                                      parameters.float("min_size", default: 2))
        guard preNMS >= 1, (0...1).contains(nms), minSize >= 0, minSize.isFinite else {
            throw StageError(file: parameters.file, problem: "faster-rcnn: pre_nms must be at least 1, rpn_nms in [0, 1], min_size >= 0")
        }
        let settings = RPNProposalSettings(preNMS: preNMS, nmsThreshold: nms, maxProposals: try DetectorParameters.maxProposals(parameters, default: 300),
                                           minSize: Float(minSize))
        return .detector(try FasterRCNNDetector(weights: parameters.string("weights", default: ""),
                                                postprocessing: DetectorParameters.postprocessing(parameters, scoreThreshold: 0.05),
                                                settings: settings, refinementRounds: DetectorParameters.refinementRounds(parameters)))
    }
}
