// SqueezeNetClassifier: ImageNet classes of whole images with SqueezeNet 1.1: the softmax of the
// network's class scores. In a pipeline it reads them from the shared backbone when the backbone
// runs the same weights, so the network runs once per image; with other weights it brings its own.

import Foundation
import GlimpseImaging
import GlimpseModels
import GlimpseNN
import GlimpseStages
import GlimpseTensor

/// The ImageNet classifier stage.
public struct SqueezeNetClassifier: ImageClassifier {
    /// `"squeezenet"`.
    public static let conformanceName = "squeezenet"

    /// The backbone whose class scores it reads (the pipeline's, or its own).
    public let backbone: CNNBackbone
    /// The class names in logit order.
    public let categories: [String]

    /// A classifier on `backbone` (a SqueezeNet) with the class names in `labelsPath` (one per
    /// line, "WNID<TAB>name" or just the name); throws naming the file when the backbone is
    /// another architecture or the names do not match its class count.
    public init(backbone: CNNBackbone, labels labelsPath: String) throws {
        guard backbone.model.architecture == .squeezenet else {
            throw StageError(file: backbone.model.weightsFile,
                             problem: "the squeezenet classifier reads SqueezeNet class scores; these are \(backbone.model.architecture.rawValue) weights")
        }
        guard let text = try? String(contentsOfFile: labelsPath, encoding: .utf8) else {
            throw StageError(file: labelsPath, problem: "cannot read the class names")
        }
        let categories = text.split(separator: "\n").map { line in
            // "n02124075\tEgyptian cat": keep the name after the WordNet id
            String(line.split(separator: "\t", maxSplits: 1).last ?? line)
        }
        guard categories.count == backbone.model.classes else {
            throw StageError(file: labelsPath, problem: "\(categories.count) class names, the weights \(backbone.model.weightsFile) have \(backbone.model.classes) classes")
        }
        self.backbone = backbone
        self.categories = categories
    }

    /// Loads its own SqueezeNet from `weightsPath` (see `init(backbone:labels:)`).
    public init(weights weightsPath: String, labels labelsPath: String) throws {
        try self.init(backbone: CNNBackbone(architecture: .squeezenet, weights: weightsPath, layer: Self.scoreLayer, pooled: false),
                      labels: labelsPath)
    }

    /// The layer whose output is the class scores `[1, classes]`.
    public static let scoreLayer = Architecture.squeezenet.outputLayer

    /// The class scores, from the backbone.
    public var backboneRequirement: BackboneRequirement? { BackboneRequirement(backbone: backbone, layers: [Self.scoreLayer]) }

    /// The `top` most probable classes of the image whose backbone features `input` carries.
    public func classify(_ input: StageInput, top: Int) throws -> [ClassScore] {
        guard let features = input.features else { preconditionFailure("SqueezeNetClassifier: no backbone features given") }
        return ranked(features[Self.scoreLayer], top: top)
    }

    /// The `top` most probable classes of each image, running the backbone itself.
    public func classify(_ images: [Image], top: Int) -> [[ClassScore]] {
        images.map { ranked(backbone.features(of: $0, layers: [Self.scoreLayer])[Self.scoreLayer], top: top) }
    }

    /// The `top` classes of logits `[1, classes]`, most probable first (ties by index).
    private func ranked(_ logits: Tensor, top: Int) -> [ClassScore] {
        precondition(top >= 1, "SqueezeNetClassifier: top must be at least 1")
        let probabilities = SoftmaxCrossEntropy.softmax(logits).scalars
        let order = probabilities.indices.sorted {
            probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
        }.prefix(top)
        return order.map { ClassScore(classIndex: $0, label: categories[$0], probability: probabilities[$0]) }
    }

    /// The registry entry: `weights` (default: the pipeline's backbone) and `labels`.
    public static let registryEntry = Conformance(
        kind: .classifier, name: conformanceName, summary: "ImageNet-1k classes with SqueezeNet 1.1",
        parameters: [
            ParameterSpec("weights", .file,
                          help: "SqueezeNet 1.1 safetensors; default: the pipeline's backbone (shared, run once per image)"),
            ParameterSpec("labels", .file, default: .string("datasets/weights/imagenet1k_labels.txt"),
                          help: "class names, one per line in logit order"),
        ]
    ) { parameters, context in
        let labels = parameters.string("labels", default: "")
        let shared = context.backbone as? CNNBackbone
        guard let weights = parameters.values["weights"].flatMap({ if case .string(let path) = $0 { return path } else { return nil } }) else {
            guard let shared else {
                throw StageError(file: parameters.file, problem: context.backbone == nil
                                 ? "no weights: give weights: or a cnn backbone stage"
                                 : "no weights, and the pipeline's backbone is not a cnn backbone")
            }
            return .classifier(try SqueezeNetClassifier(backbone: shared, labels: labels))
        }
        // The same weight bytes as the backbone's: share its pass instead of loading a second copy.
        let identity = BackboneIdentity(architecture: Architecture.squeezenet.rawValue,
                                        weightsDigest: try PretrainedNetwork.digest(of: weights), weightsFile: weights)
        if let same = context.sharedBackbone(matching: identity) as? CNNBackbone {
            return .classifier(try SqueezeNetClassifier(backbone: same, labels: labels))
        }
        return .classifier(try SqueezeNetClassifier(weights: weights, labels: labels))
    }
}
