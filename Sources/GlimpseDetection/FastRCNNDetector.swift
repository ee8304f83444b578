// FastRCNNDetector: the `fast-rcnn` detector stage. One trunk pass per image (the pipeline's
// shared backbone mechanism runs it), then every proposal's RoI is pooled from the shared
// feature map and scored by the head; boxes are decoded per class, then per-class NMS, a
// score threshold and a cap per image (DetectionPostprocessing), as py-faster-rcnn's test.py.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// Fast R-CNN as a pipeline detector.
public struct FastRCNNDetector: Detector {
    /// `"fast-rcnn"`.
    public static let conformanceName = "fast-rcnn"

    /// The trained network.
    public let network: FastRCNNNetwork
    /// What the weights file says (classes, preprocessing, box normalisation, recipe).
    public let description: DetectorDescription
    /// Per-class NMS, score threshold and cap.
    public let postprocessing: DetectionPostprocessing
    /// Proposals scored per image (the proposer's best first).
    public let maxProposals: Int
    /// The trunk as a backbone (identity: the weights file's digest).
    public let trunk: DetectorTrunk
    /// Rounds of iterative box regression after the first (0: the paper's single regression).
    public let refinementRounds: Int

    /// Wraps a trained network (`file` names it in the trunk's identity).
    public init(network: FastRCNNNetwork, description: DetectorDescription, postprocessing: DetectionPostprocessing = .fastRCNN,
                maxProposals: Int = 2000, refinementRounds: Int = 0, identity: BackboneIdentity) {
        precondition(network.slots == description.slots, "FastRCNNDetector: \(network.slots) slots for \(description.categories.count) classes")
        precondition(maxProposals >= 1, "FastRCNNDetector: maxProposals \(maxProposals)")
        precondition(refinementRounds >= 0, "FastRCNNDetector: refinementRounds \(refinementRounds)")
        (self.network, self.description, self.postprocessing, self.maxProposals) = (network, description, postprocessing, maxProposals)
        self.refinementRounds = refinementRounds
        trunk = DetectorTrunk(trunk: network.trunk, preprocessing: description.preprocessing, identity: identity)
    }

    /// Loads a `fast-rcnn` weights file written by `glimpse train detector`; throws naming the
    /// file when it is unreadable, another kind of weights, or its tensors do not fit.
    public init(weights path: String, postprocessing: DetectionPostprocessing = .fastRCNN, maxProposals: Int = 2000,
                refinementRounds: Int = 0) throws {
        let data = try StageWeights.mappedData(of: path, role: "detector")
        let file = try SafetensorsFile(data: data, source: path)
        let description = try DetectorDescription(metadata: file.metadata, file: path, expecting: Self.conformanceName)
        guard let scores = file["cls_score.weight"], let fc1 = file["fc1.weight"], let conv1 = file["conv1.weight"],
              scores.shape.count == 2, fc1.shape.count == 2, conv1.shape.count == 4 else {
            throw StageError(file: path, problem: "no cls_score, fc1 or conv1 tensors of Fast R-CNN's shapes")
        }
        guard scores.shape[0] == description.slots else {
            throw StageError(file: path, problem: "cls_score has \(scores.shape[0]) class slots, the metadata lists \(description.categories.count) classes + background")
        }
        let featureLayer = file.metadata["train.feature_layer"] ?? "pool3"
        guard FastRCNNNetwork.featureLayers.contains(featureLayer) else {
            throw StageError(file: path, problem: "train.feature_layer \(featureLayer): expected one of \(FastRCNNNetwork.featureLayers.joined(separator: ", "))")
        }
        var network = FastRCNNNetwork(slots: description.slots, inputSize: description.preprocessing.inputSize,
                                      inputChannels: conv1.shape[1], hidden: fc1.shape[0], featureLayer: featureLayer, seed: 0)
        try network.load(from: file)
        let digest = data.withUnsafeBytes { ContentHash.hex(ContentHash.fnv1a64($0)) }
        self.init(network: network, description: description, postprocessing: postprocessing, maxProposals: maxProposals,
                  refinementRounds: refinementRounds, identity: BackboneIdentity(architecture: "fast-rcnn-deepconvnet", weightsDigest: digest, weightsFile: path))
    }

    /// The object classes.
    public var categories: [String] { description.categories }
    /// The training set's category ids.
    public var categoryIDs: [Int] { description.categoryIDs }
    /// Fast R-CNN scores proposals.
    public var needsProposals: Bool { true }
    /// Its own trunk's feature map.
    public var backboneRequirement: BackboneRequirement? {
        BackboneRequirement(backbone: trunk, layers: [network.featureLayer])
    }

    /// The detections of one image from its trunk features and proposals (`label` indexes `categories`).
    public func detect(_ input: StageInput) throws -> [BoundingBox] {
        guard let features = input.features else { preconditionFailure("FastRCNNDetector: no trunk features given") }
        return detect(featureMap: features[network.featureLayer], proposals: input.proposals,
                      imageWidth: input.image.width, imageHeight: input.image.height)
    }

    /// The detections of `image`, running the trunk itself (training validation, benchmarks).
    public func detect(_ image: Image, proposals: [BoundingBox]) -> [BoundingBox] {
        detect(featureMap: network(description.preprocessing.tensor(for: image)), proposals: proposals,
               imageWidth: image.width, imageHeight: image.height)
    }

    /// Scores the first `maxProposals` usable proposals on a trunk map `[1, 64, h, w]`.
    func detect(featureMap: Tensor, proposals: [BoundingBox], imageWidth: Int, imageHeight: Int) -> [BoundingBox] {
        let boxes = proposals.lazy.map { $0.clipped(width: imageWidth, height: imageHeight) }
            .filter { $0.width >= 1 && $0.height >= 1 }.prefix(maxProposals)
        let regions = Array(boxes)
        guard !regions.isEmpty else { return [] }
        let rois = Self.rois(regions, imageWidth: imageWidth, imageHeight: imageHeight, inputSize: network.inputSize)
        let (probabilities, deltas) = network.heads(features: featureMap, rois: rois)
        let candidates = description.boxCoder.candidates(
            proposals: regions, probabilities: probabilities, deltas: deltas, labels: Array(categories.indices),
            imageWidth: imageWidth, imageHeight: imageHeight)
        let refinement = IterativeBoxRefinement(rounds: refinementRounds, scoreThreshold: postprocessing.scoreThreshold)
        let refined = refinement.refine(
            candidates, imageWidth: imageWidth, imageHeight: imageHeight, coder: description.boxCoder,
            rois: { Self.rois($0, imageWidth: imageWidth, imageHeight: imageHeight, inputSize: network.inputSize) },
            heads: { network.heads(features: featureMap, rois: $0) })
        return postprocessing.select(refined)
    }

    /// RoI rows `[R, 5]` for boxes in image pixels: (image `batchIndex`, x1, y1, x2, y2) in the
    /// network input's pixels, x2/y2 the last pixel inside (py-faster-rcnn's inclusive corners,
    /// which the RoI pooling's arithmetic expects; see RoIMaxPool).
    public static func rois(_ boxes: [BoundingBox], imageWidth: Int, imageHeight: Int, inputSize: Int,
                            batchIndex: Int = 0) -> Tensor {
        let (sx, sy) = (Float(inputSize) / Float(imageWidth), Float(inputSize) / Float(imageHeight))
        var values = [Float]()
        values.reserveCapacity(boxes.count * 5)
        for box in boxes {
            let (x0, y0) = (box.x0 * sx, box.y0 * sy)
            values += [Float(batchIndex), x0, y0, max(x0, box.x1 * sx - 1), max(y0, box.y1 * sy - 1)]
        }
        return Tensor(shape: [boxes.count, 5], scalars: values)
    }
}

extension FastRCNNDetector {
    /// The registry entry: `weights`, `score_threshold`, `nms`, `max_detections`, `max_proposals`,
    /// `box_voting`, `refine`.
    public static let registryEntry = Conformance(
        kind: .detector, name: conformanceName,
        summary: "Fast R-CNN: one trunk pass per image, RoI max pooling, softmax and class-specific box regression",
        parameters: DetectorParameters.specs(
            weights: "datasets/weights/fast-rcnn-scenes.safetensors", weightsHelp: "weights written by glimpse train detector --method fast-rcnn",
            scoreThreshold: 0.05, scoreHelp: "keep detections scoring above this",
            proposalsHelp: "proposals scored per image (the proposer's best)") + [DetectorParameters.refineSpec]
    ) { parameters, context in
        .detector(try FastRCNNDetector(weights: parameters.string("weights", default: ""),
                                       postprocessing: DetectorParameters.postprocessing(parameters, scoreThreshold: 0.05),
                                       maxProposals: DetectorParameters.maxProposals(parameters),
                                       refinementRounds: DetectorParameters.refinementRounds(parameters)))
    }
}
