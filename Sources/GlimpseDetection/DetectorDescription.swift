// DetectorDescription: what a detector's weights file says besides its tensors, so that a
// pipeline needs nothing else: the method (`fast-rcnn`, `rcnn`), the object classes with the
// training set's category ids, how images became the network input, the proposals it was
// trained with, the box-target normalisation, and the recipe and validation figures (kept for
// people; the detector does not read them). Stored as safetensors metadata under `detector.*`
// and `preprocess.*`, next to the recipe's `train.*` keys.

import Foundation
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages

/// The metadata of a detector weights file.
public struct DetectorDescription: Sendable, Equatable {
    /// `fast-rcnn`, `rcnn` or `faster-rcnn`.
    public var method: String
    /// The object classes (background excluded); the network's class slot s (from 1) is
    /// `categories[s - 1]`.
    public var categories: [String]
    /// The training set's id of each category (COCO category id, or class index of the source),
    /// written as a detection's `category_id`.
    public var categoryIDs: [Int]
    /// How an image (R-CNN: a warped region) becomes the network input.
    public var preprocessing: ImagePreprocessing
    /// The proposals the detector was trained on, e.g. `selective-search mode=fast max=2000`
    /// (informational: the pipeline's proposer decides at run time).
    public var proposals: String
    /// The standard deviations the box deltas were divided by in training (dx, dy, dw, dh).
    public var boxStds: BoxDeltas
    /// Everything else the file records: `train.*` (the recipe), `validation.*` (figures), `command`, ...
    public var extra: [String: String]

    /// Creates a description; `categoryIDs` must pair with `categories`.
    public init(method: String, categories: [String], categoryIDs: [Int], preprocessing: ImagePreprocessing,
                proposals: String, boxStds: BoxDeltas, extra: [String: String] = [:]) {
        precondition(categories.count == categoryIDs.count && !categories.isEmpty,
                     "DetectorDescription: \(categories.count) categories, \(categoryIDs.count) ids")
        (self.method, self.categories, self.categoryIDs, self.preprocessing, self.proposals, self.boxStds, self.extra) =
            (method, categories, categoryIDs, preprocessing, proposals, boxStds, extra)
    }

    /// The methods a detector weights file can hold.
    public static let methods = ["fast-rcnn", "rcnn", "faster-rcnn"]

    /// Class slots of the softmax: background plus the categories.
    public var slots: Int { categories.count + 1 }

    /// The box coder of these weights (zero means, `boxStds`).
    public var boxCoder: BoxCoder { BoxCoder(means: BoxDeltas(dx: 0, dy: 0, dw: 0, dh: 0), stds: boxStds) }

    /// The description as safetensors metadata.
    public var metadata: [String: String] {
        var out = extra
        out["detector.method"] = method
        out["detector.categories"] = JSONValue.array(categories.map { .string($0) }).serialized()
        out["detector.category_ids"] = JSONValue.array(categoryIDs.map { .number(Double($0)) }).serialized()
        out["detector.proposals"] = proposals
        out["detector.box_stds"] = boxStds.values.map { String($0) }.joined(separator: ",")
        for (key, value) in preprocessing.metadata { out[key] = value }
        return out
    }

    /// Reads the description from a weights file's metadata; throws `StageError` naming `file`
    /// when a key is missing or malformed, or the file holds another method than `expecting`.
    public init(metadata: [String: String], file: String, expecting: String? = nil) throws {
        func value(_ key: String) throws -> String {
            guard let text = metadata[key] else {
                if let proposer = metadata["proposer.method"] {
                    throw StageError(file: file, problem: "holds \(proposer) region proposal network weights, not a detector "
                                     + "(a proposer: use it as `proposer: {use: \(proposer), weights: ...}`)")
                }
                throw StageError(file: file, problem: "no \"\(key)\" metadata: not a Glimpse detector weights file"
                                 + (metadata["train.architecture"].map { " (it holds \($0) weights)" } ?? ""))
            }
            return text
        }
        method = try value("detector.method")
        if let expecting, method != expecting {
            throw StageError(file: file, problem: "holds a \(method) detector, not \(expecting)")
        }
        let parser = JSONParser()
        guard case .array(let names)? = try? parser.parse(Array(try value("detector.categories").utf8)),
              case .array(let ids)? = try? parser.parse(Array(try value("detector.category_ids").utf8)) else {
            throw StageError(file: file, problem: "\"detector.categories\" or \"detector.category_ids\" is not a JSON list")
        }
        categories = names.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        categoryIDs = ids.compactMap { $0.doubleValue.flatMap { $0 == $0.rounded() ? Int($0) : nil } }
        guard !categories.isEmpty, categories.count == names.count, categoryIDs.count == categories.count else {
            throw StageError(file: file, problem: "\(names.count) category names and \(ids.count) category ids do not pair up")
        }
        proposals = metadata["detector.proposals"] ?? "?"
        let stds = try value("detector.box_stds").split(separator: ",").compactMap { Float($0) }
        guard stds.count == 4, stds.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StageError(file: file, problem: "\"detector.box_stds\" must be four positive numbers")
        }
        boxStds = BoxDeltas(dx: stds[0], dy: stds[1], dw: stds[2], dh: stds[3])
        do {
            preprocessing = try ImagePreprocessing(metadata: metadata, source: file)
        } catch {
            throw StageError(file: file, problem: "preprocessing: \(error)")
        }
        var rest = metadata
        for key in metadata.keys where key.hasPrefix("detector.") || key.hasPrefix("preprocess.") { rest[key] = nil }
        extra = rest
    }
}
