// FCNTransfer: where an FCN's weights come from before training (Long et al. 2015, section 4):
// a classifier, convolutionalised (DeepConvNet trained on MNIST: conv1..conv6 by name, a gray
// conv1 inflated to colour, and fc1's Linear `[50, 1024]` transplanted flat into the 4x4
// convolution `[50, 64, 4, 4]`, surgery.transplant's way; fc2, the classifier's own output, is
// dropped as FCN drops fc8), or the next coarser FCN (every tensor it has, by name: the finer
// net's new skip scores stay at zero, so it starts out computing exactly the coarser net's output).

import Foundation
import GlimpseModels
import GlimpseNN
import GlimpseSerialization
import GlimpseTensor

/// Starting an FCN from pretrained tensors.
public enum FCNTransfer {
    /// Where the tensors came from.
    public enum Source: String, Sendable {
        /// A DeepConvNet classifier's weights (`glimpse train mnist`).
        case classifier
        /// Another FCN's weights (`glimpse train segmenter`).
        case fcn
    }

    /// Which kind of file `tensors` is: an FCN has `score_fr.weight`, a DeepConvNet `fc1.weight` of rank 2.
    public static func source(of tensors: [String: Tensor]) -> Source? {
        if tensors["score_fr.weight"] != nil { return .fcn }
        if let fc1 = tensors["fc1.weight"], fc1.rank == 2, tensors["conv6.weight"] != nil { return .classifier }
        return nil
    }

    /// Loads `tensors` into `network` (see the file comment); returns the parameter names loaded.
    /// Throws `FCNWeightsError` naming `file` when the tensors are neither kind or do not fit.
    @discardableResult
    public static func load(_ tensors: [String: Tensor], into network: inout FCNNetwork, file: String) throws -> [String] {
        guard let source = source(of: tensors) else {
            throw FCNWeightsError(file: file, problem: "neither DeepConvNet weights (conv1..conv6, fc1) nor FCN weights (score_fr)")
        }
        var failure: FCNWeightsError?
        var loaded = [String]()
        let variant = network.variant.rawValue
        network.updateParameters { name, value in
            guard failure == nil, var tensor = tensors[name] else { return }
            if source == .classifier {
                if name.hasPrefix("upscore") { return }
                if name == "conv1.weight" && tensor.rank == 4 && tensor.shape[1] == 1 && value.shape[1] == 3 {
                    tensor = DeepConvNet.colorFirstLayer(fromGray: tensor)
                }
                if name == "fc1.weight" && tensor.rank == 2 && tensor.count == value.count {
                    tensor = Linear(weight: tensor, bias: nil)
                        .convolutionalized(channels: value.shape[1], kernelHeight: value.shape[2], kernelWidth: value.shape[3]).weight
                }
            }
            // A finer net's upsampling differs from the coarser net's; both are fixed bilinear filters.
            if source == .fcn && name.hasPrefix("upscore") && tensor.shape != value.shape { return }
            guard tensor.shape == value.shape else {
                failure = FCNWeightsError(file: file, problem: "\(name) is \(tensor.shape), the \(variant) network needs \(value.shape)")
                return
            }
            value = tensor
            loaded.append(name)
        }
        if let failure { throw failure }
        return loaded
    }
}

/// A weights file an FCN cannot use, with the file and the cause.
public struct FCNWeightsError: Error, CustomStringConvertible {
    /// The weights file.
    public var file: String
    /// What is wrong.
    public var problem: String
    /// "FILE: PROBLEM".
    public var description: String { "\(file): \(problem)" }
}
