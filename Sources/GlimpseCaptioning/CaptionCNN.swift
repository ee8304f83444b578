// CaptionCNN: the transfer-learned CNN a captioner reads, from either kind of weights file
// Glimpse ships: a Fast R-CNN or Faster R-CNN detector's fine-tuned DeepConvNet trunk (which
// knows the digits and their shapes; both detectors' trunks are the same layers), or the ImageNet SqueezeNet 1.1 up to one of its fire modules (which knows
// colours and textures). The network, its preprocessing and the identity of the file it came
// from, so that a captioner whose CNN is an unchanged copy shares the pipeline's pass over it.

import Foundation
import GlimpseDetection
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// A CNN cut at one layer, with its preprocessing and where its weights came from.
public struct CaptionCNN: Sendable {
    /// The architecture names a captioner file records: `fast-rcnn-deepconvnet` or `squeezenet`.
    public static let architectures = ["fast-rcnn-deepconvnet", "squeezenet"]

    /// The layers up to `layer`, `[N, C, S, S]` -> `[N, channels, h, w]`.
    public var network: Sequential
    /// The architecture (one of `architectures`).
    public var architecture: String
    /// The last layer kept.
    public var layer: String
    /// How images become its input.
    public var preprocessing: ImagePreprocessing
    /// The file it was read from.
    public var identity: BackboneIdentity

    /// Reads `path`: Fast R-CNN or Faster R-CNN detector weights (the trunk, up to its feature
    /// layer; `layer` ignored; the identity is the detector file's, so a pipeline with that
    /// detector runs the trunk once for both) or SqueezeNet 1.1 ImageNet weights (up to `layer`,
    /// default `fire9`). Throws naming the file when it is none of these or the layer is unknown.
    public init(weights path: String, layer: String? = nil) throws {
        if let detector = try? FastRCNNDetector(weights: path) {
            network = detector.network.trunk
            architecture = "fast-rcnn-deepconvnet"
            self.layer = detector.network.featureLayer
            preprocessing = detector.description.preprocessing
            identity = detector.trunk.identity
            return
        }
        if let detector = try? FasterRCNNDetector(weights: path) {
            // The same trunk layers as Fast R-CNN's (FasterRCNNNetwork.trunk is its detection
            // part's), so a captioner file records the same architecture and loads into the same skeleton.
            network = detector.network.trunk
            architecture = "fast-rcnn-deepconvnet"
            self.layer = detector.network.featureLayer
            preprocessing = detector.description.preprocessing
            identity = detector.detection.trunk.identity
            return
        }
        let model: PretrainedNetwork
        do {
            model = try PretrainedNetwork(architecture: .squeezenet, weights: path)
        } catch {
            throw StageError(file: path, problem: "neither Fast R-CNN or Faster R-CNN detector weights nor SqueezeNet 1.1 weights (\(error))")
        }
        let layer = layer ?? "fire9"
        guard let cut = model.network.layers.firstIndex(where: { $0.name == layer }) else {
            throw StageError(file: path, problem: "no layer \(layer); layers are \(model.network.layers.map(\.name).joined(separator: ", "))")
        }
        network = Sequential(Array(model.network.layers[...cut]).map { ($0.name, $0.layer) })
        architecture = "squeezenet"
        self.layer = layer
        preprocessing = model.preprocessing
        identity = BackboneIdentity(architecture: model.architecture.rawValue, weightsDigest: model.weightsDigest, weightsFile: model.weightsFile)
    }

    /// An untrained network of `architecture` up to `layer` (to load a captioner file's `cnn.*` into),
    /// for `preprocessing`'s input; throws naming `file` when the architecture or layer is unknown.
    public static func skeleton(architecture: String, layer: String, preprocessing: ImagePreprocessing, file: String) throws -> Sequential {
        switch architecture {
        case "fast-rcnn-deepconvnet":
            guard FastRCNNNetwork.featureLayers.contains(layer) else {
                throw StageError(file: file, problem: "captioner.cnn_layer \(layer): one of \(FastRCNNNetwork.featureLayers.joined(separator: ", "))")
            }
            return FastRCNNNetwork(slots: 2, inputSize: preprocessing.inputSize, inputChannels: preprocessing.channels, featureLayer: layer, seed: 0).trunk
        case "squeezenet":
            let full = Architecture.squeezenet.make(classes: 1000, seed: 0)
            guard let cut = full.layers.firstIndex(where: { $0.name == layer }) else {
                throw StageError(file: file, problem: "captioner.cnn_layer \(layer) is not a SqueezeNet layer")
            }
            return Sequential(Array(full.layers[...cut]).map { ($0.name, $0.layer) })
        default:
            throw StageError(file: file, problem: "captioner.cnn_architecture \(architecture): one of \(architectures.joined(separator: ", "))")
        }
    }
}
