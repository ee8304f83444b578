// SqueezeNetClassifier: ImageNet classes of whole images with SqueezeNet 1.1 and its shipped
// weights; the preprocessing (input size, channel order, mean) comes from the weights file's
// metadata so it always matches the weights.

import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// The ImageNet classifier stage.
public struct SqueezeNetClassifier: ImageClassifier {
    /// `"squeezenet"`.
    public static let conformanceName = "squeezenet"

    /// The network with its pretrained weights.
    public let network: Sequential
    /// How images become the network's input.
    public let preprocessing: ImagePreprocessing
    /// The class names in logit order.
    public let categories: [String]

    /// Loads weights and class names (one per line, "WNID<TAB>name" or just the name); throws
    /// naming the file on any problem, including a class count other than the network's 1000.
    public init(weights weightsPath: String, labels labelsPath: String) throws {
        let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: weightsPath))
        preprocessing = try ImagePreprocessing(metadata: file.metadata, source: weightsPath)
        var network = SqueezeNet.make()
        try network.load(from: file)
        self.network = network
        guard let text = try? String(contentsOfFile: labelsPath, encoding: .utf8) else {
            throw StageError(file: labelsPath, problem: "cannot read the class names")
        }
        categories = text.split(separator: "\n").map { line in
            // "n02124075\tEgyptian cat": keep the name after the WordNet id
            String(line.split(separator: "\t", maxSplits: 1).last ?? line)
        }
        guard categories.count == 1000 else {
            throw StageError(file: labelsPath, problem: "\(categories.count) class names, the model has 1000 classes")
        }
    }

    /// The `top` most probable classes of each image, most probable first (ties by index).
    public func classify(_ images: [Image], top: Int) throws -> [[ClassScore]] {
        precondition(top >= 1, "SqueezeNetClassifier: top must be at least 1")
        return images.map { image in
            let probabilities = SoftmaxCrossEntropy.softmax(network(preprocessing.tensor(for: image))).scalars
            let ranked = probabilities.indices.sorted {
                probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1
            }.prefix(top)
            return ranked.map { ClassScore(classIndex: $0, label: categories[$0], probability: probabilities[$0]) }
        }
    }

    /// The registry entry: `weights` and `labels`.
    public static let registryEntry = Conformance(
        kind: .classifier, name: conformanceName, summary: "ImageNet-1k classes with SqueezeNet 1.1",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/squeezenet1_1.safetensors"),
                          help: "SqueezeNet 1.1 safetensors with preprocess.* metadata"),
            ParameterSpec("labels", .file, default: .string("datasets/weights/imagenet1k_labels.txt"),
                          help: "class names, one per line in logit order"),
        ]
    ) { parameters in
        .classifier(try SqueezeNetClassifier(weights: parameters.string("weights", default: ""),
                                             labels: parameters.string("labels", default: "")))
    }
}
