// CaptionerDescription: what a captioner's weights file says besides its tensors, so a pipeline
// needs nothing else: the method (`nic` or `nearest-neighbour`), the vocabulary and tokenizer,
// the decoder's shape (cell, image feeding, pooling grid, longest caption), how an image becomes
// the CNN's input (`preprocess.*`), and, when the CNN was not fine-tuned, the detector weights
// it came from (`backbone.*`), so a pipeline with that detector runs the trunk once for both.
// Stored as safetensors metadata under `captioner.*`, `vocabulary.*`, `preprocess.*`,
// `backbone.*`, next to the recipe's `train.*` keys.

import Foundation
import GlimpseImaging
import GlimpseStages

/// The metadata of a captioner weights file (`domain.*`: the out-of-domain summary, see `FeatureDomain`).
public struct CaptionerDescription: Sendable, Equatable {
    /// `nic` or `nearest-neighbour`.
    public var method: String
    /// The words by id.
    public var vocabulary: CaptionVocabulary
    /// The recurrent cell (NIC).
    public var cell: CaptionCell
    /// How the image reaches the decoder (NIC).
    public var feeding: ImageFeeding
    /// The CNN's architecture (`CaptionCNN.architectures`).
    public var cnnArchitecture: String
    /// The layer the CNN ends at (`relu6` or `pool3` of a detector trunk, a SqueezeNet fire module).
    public var cnnLayer: String
    /// Cells per side of the pooled CNN map.
    public var grid: Int
    /// The factor the pooled features are multiplied by before the image embedding (1: none;
    /// stored as `captioner.feature_scale` only when it is not 1).
    public var featureScale: Float = 1
    /// The most words a generated caption may have.
    public var maxLength: Int
    /// How an image becomes the CNN's input.
    public var preprocessing: ImagePreprocessing
    /// The detector weights the CNN is a bit-identical copy of (nil: fine-tuned, its own).
    public var sharedBackbone: BackboneIdentity?
    /// The training images' CNN channel means, summarised for the out-of-domain rule (nil: none recorded).
    public var domain: FeatureDomain?
    /// Everything else the file records: `train.*`, `validation.*`, `domain.*`, `command`, ...
    public var extra: [String: String]

    /// Creates a description.
    public init(method: String, vocabulary: CaptionVocabulary, cell: CaptionCell = .lstm, feeding: ImageFeeding = .firstInput,
                cnnArchitecture: String = "fast-rcnn-deepconvnet", cnnLayer: String = "relu6", grid: Int, maxLength: Int = 20, preprocessing: ImagePreprocessing, sharedBackbone: BackboneIdentity?,
                extra: [String: String] = [:]) {
        precondition(["nic", "nearest-neighbour"].contains(method), "CaptionerDescription: method \(method)")
        (self.method, self.vocabulary, self.cell, self.feeding, self.grid, self.maxLength) = (method, vocabulary, cell, feeding, grid, maxLength)
        (self.cnnArchitecture, self.cnnLayer) = (cnnArchitecture, cnnLayer)
        (self.preprocessing, self.sharedBackbone, self.domain, self.extra) = (preprocessing, sharedBackbone, domain, extra)
    }

    /// The description as safetensors metadata.
    public var metadata: [String: String] {
        var out = extra
        for key in out.keys where key.hasPrefix("backbone.") { out[key] = nil }
        out["captioner.method"] = method
        out["captioner.cell"] = cell.rawValue
        out["captioner.feeding"] = feeding.rawValue
        out["captioner.grid"] = String(grid)
        out["captioner.cnn_architecture"] = cnnArchitecture
        out["captioner.cnn_layer"] = cnnLayer
        out["captioner.max_length"] = String(maxLength)
        out["captioner.feature_scale"] = featureScale == 1 ? nil : String(featureScale)
        for (key, value) in vocabulary.metadata { out[key] = value }
        for (key, value) in preprocessing.metadata { out[key] = value }
        for (key, value) in sharedBackbone?.metadata ?? [:] { out[key] = value }
        for key in out.keys where key.hasPrefix("domain.") { out[key] = nil }
        for (key, value) in domain?.metadata ?? [:] { out[key] = value }
        return out
    }

    /// Reads the description from a weights file's metadata; throws `StageError` naming `file`
    /// when a key is missing or malformed.
    public init(metadata: [String: String], file: String) throws {
        func value(_ key: String) throws -> String {
            guard let text = metadata[key] else {
                throw StageError(file: file, problem: "no \"\(key)\" metadata: not a Glimpse captioner weights file"
                                 + (metadata["detector.method"].map { " (it holds \($0) detector weights)" } ?? "")
                                 + (metadata["segmenter.method"].map { " (it holds \($0) segmenter weights)" } ?? ""))
            }
            return text
        }
        method = try value("captioner.method")
        guard ["nic", "nearest-neighbour"].contains(method) else {
            throw StageError(file: file, problem: "captioner method \(method), not nic or nearest-neighbour")
        }
        guard let cell = CaptionCell(rawValue: try value("captioner.cell")) else {
            throw StageError(file: file, problem: "captioner.cell \(metadata["captioner.cell"]!): lstm or rnn")
        }
        guard let feeding = ImageFeeding(rawValue: try value("captioner.feeding")) else {
            throw StageError(file: file, problem: "captioner.feeding \(metadata["captioner.feeding"]!): first-input, initial-state or every-step")
        }
        guard let grid = Int(try value("captioner.grid")), grid >= 1 else {
            throw StageError(file: file, problem: "captioner.grid must be a positive integer")
        }
        guard let maxLength = Int(try value("captioner.max_length")), maxLength >= 1 else {
            throw StageError(file: file, problem: "captioner.max_length must be a positive integer")
        }
        (self.cell, self.feeding, self.grid, self.maxLength) = (cell, feeding, grid, maxLength)
        if let text = metadata["captioner.feature_scale"] {
            guard let scale = Float(text), scale.isFinite, scale > 0 else {
                throw StageError(file: file, problem: "captioner.feature_scale \(text): a positive number")
            }
            featureScale = scale
        }
        cnnLayer = try value("captioner.cnn_layer")
        cnnArchitecture = try value("captioner.cnn_architecture")
        vocabulary = try CaptionVocabulary(metadata: metadata, file: file)
        do {
            preprocessing = try ImagePreprocessing(metadata: metadata, source: file)
        } catch {
            throw StageError(file: file, problem: "preprocessing: \(error)")
        }
        sharedBackbone = BackboneIdentity(metadata: metadata)
        domain = try FeatureDomain(metadata: metadata, file: file)
        var rest = metadata
        for key in metadata.keys where ["captioner.", "vocabulary.", "preprocess.", "backbone.", "domain."].contains(where: key.hasPrefix) {
            rest[key] = nil
        }
        rest["tokenizer"] = nil
        extra = rest
    }
}
