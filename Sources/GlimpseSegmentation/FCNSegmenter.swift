// FCNSegmenter: the `fcn` segmenter stage. One forward pass of the FCN over the image at its
// own resolution gives every pixel's class scores; the label map is their argmax. An image
// larger than `tile` on a side is cut into tiles of `tile` pixels plus a `margin` of context on
// each side (tile origins on multiples of the network's stride, so every tile's cells lie on
// the whole image's grid); each tile keeps only its centre. With a margin past the scores'
// reach (48 px here; DeepConvNet's window is 28 px and the upsampling adds two cells), the tiled
// result equals one pass over the whole image, and memory stays bounded by the tile size.
// It works on pixels: no shared backbone (a tiled pass cannot share a whole-image backbone pass).
// With an input scale s in the weights (InputScale), the network sees the image resampled by s
// and its scores are resampled back to the image's size before the argmax; `tile` then bounds
// the network's input, so a tile covers tile / s image pixels (rounded down to the alignment),
// the margin covers at least 48 / s image pixels, and tile origins fall on multiples of the
// smallest multiple of 8 that s turns into a multiple of 8 (8 at s = 1 or 2, 16 at s = 1.5).

import Foundation
import GlimpseImaging
import GlimpseNN
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor

/// FCN as a pipeline segmenter.
public struct FCNSegmenter: Segmenter {
    /// `"fcn"`.
    public static let conformanceName = "fcn"
    /// The default tile side in the network's input pixels (image pixels at input scale 1).
    public static let defaultTile = 256
    /// Context kept around each tile, in the network's input pixels (a multiple of 8).
    public static let margin = 48
    /// The network's total stride (2^3 pools): tile origins, resampled, fall on multiples of it.
    static let grid = 8

    /// The network (its weights rounded to half precision when `halfPrecision`).
    public let network: FCNNetwork
    /// What the weights file says.
    public let description: SegmenterDescription
    /// The tile side in the network's input pixels (a multiple of 8; image pixels at input scale 1).
    public let tile: Int
    /// Whether activations are rounded to Float16 after every layer (and the weights were).
    public let halfPrecision: Bool
    /// Tile origins in image pixels fall on multiples of this (`InputScale.alignment`; 8 at scale 1).
    public let alignment: Int
    /// The side of a tile in image pixels (`tile` at scale 1).
    public let imageTile: Int
    /// Context kept around each tile in image pixels (`margin` at scale 1).
    public let imageMargin: Int

    /// Wraps a network and its description.
    public init(network: FCNNetwork, description: SegmenterDescription, tile: Int = FCNSegmenter.defaultTile, halfPrecision: Bool = false) {
        precondition(tile >= 32 && tile % Self.grid == 0, "FCNSegmenter: tile \(tile) must be a multiple of 8, at least 32")
        precondition(network.classes == description.classes.count, "FCNSegmenter: \(network.classes) scores for \(description.classes.count) classes")
        let scale = description.inputScale
        guard let alignment = InputScale.alignment(for: scale, grid: Self.grid) else {
            preconditionFailure("FCNSegmenter: input scale \(scale) turns no multiple of 8 up to 512 into a multiple of 8")
        }
        (self.description, self.tile, self.halfPrecision, self.alignment) = (description, tile, halfPrecision, alignment)
        imageTile = max(alignment, Int(Double(tile) / scale + 1e-9) / alignment * alignment)
        imageMargin = Int((Double(Self.margin) / scale - 1e-9).rounded(.up) + Double(alignment) - 1) / alignment * alignment
        self.network = halfPrecision ? network.roundedToHalf() : network
    }

    /// Loads a weights file written by `glimpse train segmenter`; throws `StageError` naming the
    /// file when it is unreadable, not FCN weights, or its tensors do not fit.
    public init(weights path: String, tile: Int = FCNSegmenter.defaultTile, halfPrecision: Bool = false) throws {
        let (network, description) = try Self.load(weights: path)
        guard tile >= 32 && tile % Self.grid == 0 else {
            throw StageError(file: path, problem: "tile \(tile): a multiple of 8, at least 32")
        }
        self.init(network: network, description: description, tile: tile, halfPrecision: halfPrecision)
    }

    /// The network and description of an FCN weights file (throws `StageError` naming `path`).
    public static func load(weights path: String) throws -> (FCNNetwork, SegmenterDescription) {
        let data = try StageWeights.mappedData(of: path, role: "segmenter")
        let file = try SafetensorsFile(data: data, source: path)
        let description = try SegmenterDescription(metadata: file.metadata, file: path)
        guard description.method == conformanceName else {
            throw StageError(file: path, problem: "holds a \(description.method) segmenter, not fcn (use it as `segmenter: {use: \(description.method), weights: ...}`)")
        }
        guard InputScale.alignment(for: description.inputScale, grid: grid) != nil else {
            throw StageError(file: path, problem: "input scale \(description.inputScale) turns no multiple of 8 up to 512 into a multiple of 8"
                             + " (tiles could not stay on the network's grid; use a factor such as 0.5, 1.25, 1.5 or 2)")
        }
        let tensors = try file.tensors()
        guard let fc1 = tensors["fc1.weight"], fc1.rank == 4 else { throw StageError(file: path, problem: "no 4-D fc1.weight: not FCN weights") }
        var network = FCNNetwork(variant: description.variant, classes: description.classes.count, hidden: fc1.shape[0],
                                 inputChannels: description.preprocessing.channels, seed: 0)
        let expected = Set(network.parameters.keys)
        guard expected == Set(tensors.keys) else {
            let missing = expected.subtracting(tensors.keys).sorted(), extra = Set(tensors.keys).subtracting(expected).sorted()
            throw StageError(file: path, problem: "tensors do not match \(description.variant.rawValue)"
                             + (missing.isEmpty ? "" : "; missing \(missing.joined(separator: ", "))")
                             + (extra.isEmpty ? "" : "; unexpected \(extra.joined(separator: ", "))"))
        }
        do {
            try FCNTransfer.load(tensors, into: &network, file: path)
        } catch {
            throw StageError(file: path, problem: "\(error)")
        }
        return (network, description)
    }

    /// The class names by id.
    public var categories: [String] { description.classes }

    /// The label map of `input.image`.
    public func segment(_ input: StageInput) throws -> LabelMap { labelMap(of: input.image) }

    /// Per-pixel class scores of `image` in one pass, at the image's size: `[1, classes, H, W]`
    /// (with an input scale: the network's scores on the resampled image, resampled back).
    public func scores(of image: Image) -> Tensor {
        Self.scores(network, input: description.preprocessing.tensorAtNativeSize(for: image), inputScale: description.inputScale,
                    halfPrecision: halfPrecision)
    }

    /// `network`'s scores for `input` `[N, C, H, W]` (normalised images of one size) resampled by
    /// `inputScale` before the network and back after it: `[N, classes, H, W]`. At scale 1 the
    /// network's own output, untouched.
    public static func scores(_ network: FCNNetwork, input: Tensor, inputScale: Double, halfPrecision: Bool = false) -> Tensor {
        guard inputScale != 1 else { return network.scores(input, halfPrecision: halfPrecision) }
        let (h, w) = (input.shape[2], input.shape[3])
        let scaled = InputScale.resample(input, height: InputScale.scaledSide(h, by: inputScale),
                                         width: InputScale.scaledSide(w, by: inputScale), factor: inputScale)
        return InputScale.resample(network.scores(scaled, halfPrecision: halfPrecision), height: h, width: w, factor: 1 / inputScale)
    }

    /// The label map of `image`, tile by tile when it is larger than `tile`.
    public func labelMap(of image: Image) -> LabelMap {
        let (width, height) = (image.width, image.height)
        let (tile, margin) = (imageTile, imageMargin)
        if width <= tile && height <= tile { return Self.argmax(scores(of: image)) }
        var map = LabelMap(width: width, height: height)
        for y0 in stride(from: 0, to: height, by: tile) {
            for x0 in stride(from: 0, to: width, by: tile) {
                let (x1, y1) = (min(x0 + tile, width), min(y0 + tile, height))
                let (cx0, cy0) = (max(0, x0 - margin), max(0, y0 - margin))
                let (cx1, cy1) = (min(width, x1 + margin), min(height, y1 + margin))
                let part = Self.argmax(scores(of: image.cropped(x: cx0, y: cy0, width: cx1 - cx0, height: cy1 - cy0)))
                for y in y0..<y1 {
                    for x in x0..<x1 { map[x, y] = part[x - cx0, y - cy0] }
                }
            }
        }
        return map
    }

    /// The class of highest score at each pixel of `scores` `[1, K, H, W]` (the first on ties).
    public static func argmax(_ scores: Tensor) -> LabelMap {
        precondition(scores.rank == 4 && scores.shape[0] == 1, "FCNSegmenter.argmax: scores must be [1, K, H, W], got \(scores.shape)")
        let (k, h, w) = (scores.shape[1], scores.shape[2], scores.shape[3])
        let plane = h * w
        var ids = [UInt8](repeating: 0, count: plane)
        scores.withUnsafeBufferPointer { s in
            for i in 0..<plane {
                var best = 0
                var top = s[i]
                for c in 1..<k where s[c * plane + i] > top { (best, top) = (c, s[c * plane + i]) }
                ids[i] = UInt8(best)
            }
        }
        return LabelMap(width: w, height: h, ids: ids)
    }
}

extension FCNSegmenter {
    /// The registry entry: `weights`, `tile`, `half_precision`.
    public static let registryEntry = Conformance(
        kind: .segmenter, name: conformanceName,
        summary: "FCN (32s/16s/8s from the weights): per-pixel classes in one forward pass, tiled for large images",
        parameters: [
            ParameterSpec("weights", .file, default: .string("datasets/weights/fcn8s-scenes.safetensors"),
                          help: "weights written by glimpse train segmenter"),
            ParameterSpec("tile", .int, default: .int(defaultTile), help: "images larger than this (pixels of the network's input, a multiple of 8) go through in tiles"),
            ParameterSpec("half_precision", .bool, default: .bool(false), help: "round weights and activations to Float16"),
        ]
    ) { parameters, context in
        .segmenter(try FCNSegmenter(weights: parameters.string("weights", default: ""), tile: parameters.int("tile", default: defaultTile),
                                    halfPrecision: parameters.bool("half_precision", default: false)))
    }
}
