// RPNDescription: what a region proposal network's weights file says besides its tensors, so a
// pipeline needs nothing else: the method (`rpn`), the anchors, the trunk layer and the feature
// map it was trained on, how images became the network input, and the recipe and validation
// figures (kept for people). Stored as safetensors metadata under `proposer.*`, `rpn.*` and
// `preprocess.*`, next to the recipe's `train.*` keys. A detector's file (`detector.*`) is
// refused by name, and a detector refuses this one (DetectorDescription). `rpn.trunk` names the
// trunk (RPNTrunk: `deepconvnet`, or `tiny`, the RPN's own), checked against the tensors.
//
// A network trained with its trunk frozen at a Fast R-CNN detector's trunk, on that detector's
// input, records the detector's backbone identity (`rpn.shared_trunk.*`): its trunk is then the
// detector's, tensor for tensor, and a pipeline with both runs the trunk once per image (the
// feature sharing of Faster R-CNN, Ren et al. 2015 section 3.2).

import Foundation
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages

/// The metadata of a region proposal network's weights file.
public struct RPNDescription: Sendable, Equatable {
    /// The anchors the network's outputs refer to.
    public var anchors: AnchorGrid
    /// The trunk the head reads (`rpn.trunk`; absent in files that predate the tiny trunk: DeepConvNet).
    public var trunk: RPNTrunk
    /// The trunk layer the head reads (`relu6`, `tiny_relu3`).
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
    public init(anchors: AnchorGrid, trunk: RPNTrunk = .deepconvnet, featureLayer: String, featureSize: Int, preprocessing: ImagePreprocessing,
                sharedTrunk: BackboneIdentity? = nil, extra: [String: String] = [:]) {
        precondition(featureSize >= 1, "RPNDescription: feature size \(featureSize)")
        precondition(trunk.featureLayers.contains(featureLayer), "RPNDescription: feature layer \(featureLayer) of the \(trunk.name) trunk")
        (self.anchors, self.featureLayer, self.featureSize, self.preprocessing, self.extra) = (anchors, featureLayer, featureSize, preprocessing, extra)
        self.trunk = trunk
        self.sharedTrunk = sharedTrunk
    }

    /// The description as safetensors metadata.
    public var metadata: [String: String] {
        var out = extra
        out["proposer.method"] = Self.method
        out["rpn.trunk"] = trunk.name
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

    /// Reads the description of a file whose tensors have `tensorShapes` (the trunk's widths and
    /// its kind are checked against them); throws `StageError` naming `file` when it is a
    /// detector's file, another kind of weights, its trunk is not the one `rpn.trunk` names, or
    /// a key is missing or malformed.
    public init(metadata: [String: String], tensorShapes: [String: [Int]], file: String) throws {
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
        trunk = try RPNTrunk.read(declared: metadata["rpn.trunk"], tensorShapes: tensorShapes, file: file)
        featureLayer = metadata["rpn.feature_layer"] ?? trunk.defaultFeatureLayer
        guard trunk.featureLayers.contains(featureLayer) else {
            throw StageError(file: file, problem: "rpn.feature_layer \(featureLayer): expected one of \(trunk.featureLayers.joined(separator: ", ")) "
                             + "for the \(trunk.name) trunk")
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

    /// Reads the description of a weights file's metadata and tensor shapes (see `init(metadata:tensorShapes:file:)`).
    public init(file: SafetensorsFile, path: String) throws {
        try self.init(metadata: file.metadata, tensorShapes: Dictionary(file.entries.map { ($0.name, $0.shape) }) { first, _ in first },
                      file: path)
    }
}
