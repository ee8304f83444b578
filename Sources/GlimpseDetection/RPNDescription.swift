// RPNDescription: what a region proposal network's weights file says besides its tensors, so a
// pipeline needs nothing else: the method (`rpn`), the anchors, the trunk layer and the feature
// map it was trained on, how images became the network input, and the recipe and validation
// figures (kept for people). Stored as safetensors metadata under `proposer.*`, `rpn.*` and
// `preprocess.*`, next to the recipe's `train.*` keys. A detector's file (`detector.*`) is
// refused by name, and a detector refuses this one (DetectorDescription).
//
// A network trained with its trunk frozen at a Fast R-CNN detector's trunk, on that detector's
// input, records the detector's backbone identity (`rpn.shared_trunk.*`): its trunk is then the
// detector's, tensor for tensor, and a pipeline with both runs the trunk once per image (the
// feature sharing of Faster R-CNN, Ren et al. 2015 section 3.2).

import Foundation
import GlimpseImaging
import GlimpseStages

/// The metadata of a region proposal network's weights file.
public struct RPNDescription: Sendable, Equatable {
    /// The anchors the network's outputs refer to.
    public var anchors: AnchorGrid
    /// The trunk layer the head reads (`relu6`).
    public var featureLayer: String
    /// The feature map's side the network was trained with (checked against the trunk at load).
    public var featureSize: Int
    /// How an image becomes the network input.
    public var preprocessing: ImagePreprocessing
    /// The detector backbone whose trunk this network's is (trained frozen from it), or nil.
    public var sharedTrunk: BackboneIdentity?
    /// Everything else the file records: `train.*` (the recipe), `validation.*` (figures), `command`, ...
    public var extra: [String: String]

    /// `rpn`, the method a file of this kind records under `proposer.method`.
    public static let method = "rpn"

    /// Creates a description.
    public init(anchors: AnchorGrid, featureLayer: String, featureSize: Int, preprocessing: ImagePreprocessing,
                sharedTrunk: BackboneIdentity? = nil, extra: [String: String] = [:]) {
        precondition(featureSize >= 1, "RPNDescription: feature size \(featureSize)")
        (self.anchors, self.featureLayer, self.featureSize, self.preprocessing, self.extra) = (anchors, featureLayer, featureSize, preprocessing, extra)
        self.sharedTrunk = sharedTrunk
    }

    /// The description as safetensors metadata.
    public var metadata: [String: String] {
        var out = extra
        out["proposer.method"] = Self.method
        out["rpn.feature_layer"] = featureLayer
        out["rpn.feature_size"] = String(featureSize)
        for (key, value) in anchors.metadata { out[key] = value }
        for (key, value) in preprocessing.metadata { out[key] = value }
        if let sharedTrunk {
            out["rpn.shared_trunk.architecture"] = sharedTrunk.architecture
            out["rpn.shared_trunk.weights_digest"] = sharedTrunk.weightsDigest
            out["rpn.shared_trunk.weights_file"] = URL(fileURLWithPath: sharedTrunk.weightsFile).lastPathComponent
        }
        return out
    }

    /// Reads the description; throws `StageError` naming `file` when it is a detector's file,
    /// another kind of weights, or a key is missing or malformed.
    public init(metadata: [String: String], file: String) throws {
        guard let method = metadata["proposer.method"] else {
            if let detector = metadata["detector.method"] {
                throw StageError(file: file, problem: "holds a \(detector) detector, not a region proposal network "
                                 + "(use it as `detector: {use: \(detector), weights: ...}`)")
            }
            throw StageError(file: file, problem: "no \"proposer.method\" metadata: not a Glimpse region proposal network weights file"
                             + (metadata["train.architecture"].map { " (it holds \($0) weights)" } ?? ""))
        }
        guard method == Self.method else {
            throw StageError(file: file, problem: "holds a \(method) proposer, not \(Self.method)")
        }
        anchors = try AnchorGrid(metadata: metadata, file: file)
        featureLayer = metadata["rpn.feature_layer"] ?? "relu6"
        guard FastRCNNNetwork.featureLayers.contains(featureLayer) else {
            throw StageError(file: file, problem: "rpn.feature_layer \(featureLayer): expected one of \(FastRCNNNetwork.featureLayers.joined(separator: ", "))")
        }
        guard let size = metadata["rpn.feature_size"].flatMap({ Int($0) }), size >= 1 else {
            throw StageError(file: file, problem: "\"rpn.feature_size\" is missing or not a positive integer")
        }
        featureSize = size
        do {
            preprocessing = try ImagePreprocessing(metadata: metadata, source: file)
        } catch {
            throw StageError(file: file, problem: "preprocessing: \(error)")
        }
        if let architecture = metadata["rpn.shared_trunk.architecture"], let digest = metadata["rpn.shared_trunk.weights_digest"] {
            sharedTrunk = BackboneIdentity(architecture: architecture, weightsDigest: digest,
                                           weightsFile: metadata["rpn.shared_trunk.weights_file"] ?? "?")
        }
        var rest = metadata
        for key in metadata.keys where key.hasPrefix("proposer.") || key.hasPrefix("rpn.") || key.hasPrefix("preprocess.") { rest[key] = nil }
        extra = rest
    }
}
