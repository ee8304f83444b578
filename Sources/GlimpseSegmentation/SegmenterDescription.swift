// SegmenterDescription: what a segmenter's weights file says besides its tensors, so a pipeline
// needs nothing else: the method (`fcn`, or `trunk-fcn`: a head on a detector's trunk), the variant (`fcn-32s`, `fcn-16s`, `fcn-8s`), the
// class names (id 0 first, background), the palette label maps are written with, and how an
// image becomes the network's input (`preprocess.*`; `input_size` is the side the net was
// trained at: FCN runs on images of any size at their own resolution, or enlarged by
// `preprocess.input_scale` when the file has one, see InputScale). Stored as safetensors
// metadata under `segmenter.*` and `preprocess.*`, next to the recipe's `train.*` keys.

import Foundation
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// The metadata of a segmenter weights file.
public struct SegmenterDescription: Sendable, Equatable {
    /// `fcn` or `trunk-fcn` (TrunkFCNNetwork).
    public var method: String
    /// The methods a segmenter weights file may hold.
    public static let methods = ["fcn", "trunk-fcn"]
    /// The FCN net.
    public var variant: FCNVariant
    /// Class names by id (0: background).
    public var classes: [String]
    /// The colour of each class id in written label maps.
    public var palette: Palette
    /// How an image becomes the network input (no resizing: FCN reads any size).
    public var preprocessing: ImagePreprocessing
    /// The factor images are resampled by before the network (1: their own size; `preprocess.input_scale`,
    /// written only when it is not 1, so older files and files at scale 1 are unchanged).
    public var inputScale: Double
    /// Everything else the file records: `train.*` (the recipe), `validation.*` (figures), `command`, ...
    public var extra: [String: String]

    /// Creates a description.
    public init(method: String = "fcn", variant: FCNVariant, classes: [String], palette: Palette = .voc,
                preprocessing: ImagePreprocessing, inputScale: Double = 1, extra: [String: String] = [:]) {
        precondition(classes.count >= 2 && classes.count <= 255, "SegmenterDescription: \(classes.count) classes")
        precondition(InputScale.range.contains(inputScale), "SegmenterDescription: input scale \(inputScale) outside \(InputScale.range)")
        (self.method, self.variant, self.classes, self.palette, self.preprocessing, self.inputScale, self.extra) =
            (method, variant, classes, palette, preprocessing, inputScale, extra)
    }

    /// The description as safetensors metadata.
    public var metadata: [String: String] {
        var out = extra
        out["segmenter.method"] = method
        out["segmenter.variant"] = variant.rawValue
        out["segmenter.classes"] = JSONValue.array(classes.map { .string($0) }).serialized()
        out["segmenter.palette"] = palette.colors.prefix(classes.count).map { $0.map(String.init).joined(separator: ",") }.joined(separator: ";")
        for (key, value) in preprocessing.metadata { out[key] = value }
        if inputScale != 1 { out[Self.inputScaleKey] = String(inputScale) }
        return out
    }

    /// The metadata key of `inputScale`.
    public static let inputScaleKey = "preprocess.input_scale"

    /// Reads the description from a weights file's metadata; throws `StageError` naming `file`
    /// when a key is missing or malformed.
    public init(metadata: [String: String], file: String) throws {
        func value(_ key: String) throws -> String {
            guard let text = metadata[key] else {
                throw StageError(file: file, problem: "no \"\(key)\" metadata: not a Glimpse segmenter weights file"
                                 + (metadata["detector.method"].map { " (it holds \($0) detector weights)" } ?? ""))
            }
            return text
        }
        method = try value("segmenter.method")
        guard Self.methods.contains(method) else {
            throw StageError(file: file, problem: "segmenter method \(method), not one of \(Self.methods.joined(separator: ", "))")
        }
        let variantName = try value("segmenter.variant")
        guard let variant = FCNVariant(rawValue: variantName) else {
            throw StageError(file: file, problem: "segmenter variant \(variantName), not one of \(FCNVariant.names)")
        }
        self.variant = variant
        guard case .array(let names)? = try? JSONParser().parse(Array(try value("segmenter.classes").utf8)) else {
            throw StageError(file: file, problem: "\"segmenter.classes\" is not a JSON list")
        }
        classes = names.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        guard classes.count == names.count, (2...255).contains(classes.count) else {
            throw StageError(file: file, problem: "\"segmenter.classes\" must hold 2 to 255 names")
        }
        let colors = try value("segmenter.palette").split(separator: ";").map { entry in
            entry.split(separator: ",").compactMap { UInt8($0) }
        }
        guard colors.count == classes.count, colors.allSatisfy({ $0.count == 3 }) else {
            throw StageError(file: file, problem: "\"segmenter.palette\" must hold one r,g,b triple per class")
        }
        palette = Palette(colors: colors)
        do {
            preprocessing = try ImagePreprocessing(metadata: metadata, source: file)
        } catch {
            throw StageError(file: file, problem: "preprocessing: \(error)")
        }
        if let text = metadata[Self.inputScaleKey] {
            guard let scale = Double(text), scale.isFinite, InputScale.range.contains(scale) else {
                throw StageError(file: file, problem: "\"\(Self.inputScaleKey)\" is \(text), not a number in \(InputScale.range)")
            }
            inputScale = scale
        } else {
            inputScale = 1
        }
        var rest = metadata
        for key in metadata.keys where key.hasPrefix("segmenter.") || key.hasPrefix("preprocess.") { rest[key] = nil }
        extra = rest
    }
}

extension ImagePreprocessing {
    /// The network input for `image` at its own size (no resizing): channels arranged as
    /// `channelOrder`, normalised: `[1, C, H, W]`.
    public func tensorAtNativeSize(for image: Image) -> Tensor {
        let converted = channelOrder == "gray" ? image.grayscale() : image.rgb()
        let (c, plane) = (channels, image.width * image.height)
        let source = channelOrder == "BGR" ? [2, 1, 0] : Array(0..<c)
        let tables = lookupTables
        return Tensor(uninitializedShape: [1, c, image.height, image.width]) { out in
            converted.pixels.withUnsafeBufferPointer { px in
                for channel in 0..<c {
                    let (k, table) = (source[channel], tables[channel])
                    for i in 0..<plane { out[channel * plane + i] = table[Int(px[i * c + k])] }
                }
            }
        }
    }
}
