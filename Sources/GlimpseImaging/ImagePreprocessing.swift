// ImagePreprocessing: the input a network's weights were trained on, read from the weights
// file's metadata (`preprocess.*` keys) so nobody has to remember it.
//
//   preprocess.input_size     side of the square input, e.g. "227"
//   preprocess.channel_order  "RGB", "BGR" (Caffe: channels reversed) or "gray"
//   preprocess.mean           per-channel means in 0-255 units, in the channel order above
//   preprocess.std            per-channel standard deviations in 0-255 units (optional; default 1)
//   preprocess.scale          multiplier after subtracting the mean (optional; default 1)

import Foundation
import GlimpseTensor

/// How to turn a decoded image into a network's input tensor.
public struct ImagePreprocessing: Sendable, Equatable {
    /// Side of the square input.
    public var inputSize: Int
    /// `RGB`, `BGR` or `gray`.
    public var channelOrder: String
    /// Per-channel means (0-255 units) in `channelOrder`.
    public var mean: [Float]
    /// Per-channel standard deviations (0-255 units).
    public var std: [Float]
    /// Multiplier applied after normalising.
    public var scale: Float

    /// The Caffe ImageNet mean in BGR order and 0-255 units, [103.939, 116.779, 123.68]: what
    /// VGG and the SqueezeNet Caffe weights subtract (channels reversed, no scaling).
    public static let caffeBGRMean: [Float] = [103.939, 116.779, 123.68]

    /// Creates a preprocessing from its values (means and deviations in 0-255 units, one per channel).
    public init(inputSize: Int, channelOrder: String, mean: [Float], std: [Float], scale: Float = 1) {
        precondition(inputSize > 0 && ["RGB", "BGR", "gray"].contains(channelOrder), "ImagePreprocessing: bad size or order")
        let channels = channelOrder == "gray" ? 1 : 3
        precondition(mean.count == channels && std.count == channels, "ImagePreprocessing: need \(channels) means and stds")
        (self.inputSize, self.channelOrder, self.mean, self.std, self.scale) = (inputSize, channelOrder, mean, std, scale)
    }

    /// The `preprocess.*` metadata keys that describe this preprocessing (the inverse of
    /// `init(metadata:source:)`), for writing into a weights file.
    public var metadata: [String: String] {
        func list(_ values: [Float]) -> String { values.map { "\($0)" }.joined(separator: ",") }
        return ["preprocess.input_size": String(inputSize), "preprocess.channel_order": channelOrder,
                "preprocess.mean": list(mean), "preprocess.std": list(std), "preprocess.scale": "\(scale)"]
    }

    /// Channels of the network input: 1 for gray, 3 otherwise.
    public var channels: Int { channelOrder == "gray" ? 1 : 3 }

    /// Reads the `preprocess.*` keys; throws naming the key that is missing or malformed.
    public init(metadata: [String: String], source: String) throws {
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw ImagingError(.unsupported, file: source, "weights metadata has no \"\(key)\"")
            }
            return value
        }
        func floats(_ text: String, key: String) throws -> [Float] {
            let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
                throw ImagingError(.unsupported, file: source, "\"\(key)\" is not a list of numbers: \(text)")
            }
            return values.map { $0! }
        }
        guard let size = Int(try field("preprocess.input_size")), size > 0 else {
            throw ImagingError(.unsupported, file: source, "\"preprocess.input_size\" is not a positive integer")
        }
        inputSize = size
        channelOrder = try field("preprocess.channel_order")
        guard ["RGB", "BGR", "gray"].contains(channelOrder) else {
            throw ImagingError(.unsupported, file: source, "\"preprocess.channel_order\" \(channelOrder) is not RGB, BGR or gray")
        }
        let channels = channelOrder == "gray" ? 1 : 3
        mean = try metadata["preprocess.mean"].map { try floats($0, key: "preprocess.mean") } ?? Array(repeating: 0, count: channels)
        std = try metadata["preprocess.std"].map { try floats($0, key: "preprocess.std") } ?? Array(repeating: 1, count: channels)
        scale = try metadata["preprocess.scale"].map { try floats($0, key: "preprocess.scale")[0] } ?? 1
        guard mean.count == channels, std.count == channels else {
            throw ImagingError(.unsupported, file: source, "mean and std need \(channels) values for \(channelOrder)")
        }
    }

    /// The network input for `image`: resized to `inputSize` squared (bilinear, area averaging
    /// when shrinking), channels arranged and normalised: `[1, C, inputSize, inputSize]`.
    public func tensor(for image: Image) -> Tensor {
        let planes = planarBytes(for: image)
        let tables = lookupTables
        return Tensor(uninitializedShape: [1, channels, inputSize, inputSize]) { out in
            planes.withUnsafeBufferPointer { normalize($0, tables: tables, into: out) }
        }
    }

    /// The image resized to `inputSize` squared with its channels in `channelOrder`, as bytes
    /// laid out `[C, inputSize, inputSize]`: what `tensor(for:)` normalises. Data sets keep this
    /// (a quarter of the Float size) and normalise batch by batch.
    public func planarBytes(for image: Image) -> [UInt8] {
        let converted = channelOrder == "gray" ? image.grayscale() : image.rgb()
        let resized = converted.resized(width: inputSize, height: inputSize)
        let channels = self.channels
        let plane = inputSize * inputSize
        let source = channelOrder == "BGR" ? [2, 1, 0] : Array(0..<channels)
        var planes = [UInt8](repeating: 0, count: channels * plane)
        resized.pixels.withUnsafeBufferPointer { px in
            for c in 0..<channels {
                let k = source[c]
                for i in 0..<plane { planes[c * plane + i] = px[i * channels + k] }
            }
        }
        return planes
    }

    /// One table per channel mapping each byte value to its network input,
    /// `(byte - mean[c]) / std[c] * scale`: `[C][256]`. Computed once per set, not per image.
    public var lookupTables: [[Float]] {
        (0..<channels).map { c in
            let (m, s, k) = (mean[c], std[c], scale)
            return (0..<256).map { (Float($0) - m) / s * k }
        }
    }

    /// Normalises planar bytes `[C, S, S]` (from `planarBytes(for:)`) into `out` `[C, S, S]`
    /// through `tables` (from `lookupTables`).
    public func normalize(_ planes: UnsafeBufferPointer<UInt8>, tables: [[Float]], into out: UnsafeMutableBufferPointer<Float>) {
        let plane = inputSize * inputSize
        precondition(planes.count == channels * plane && out.count == planes.count && tables.count == channels,
                     "ImagePreprocessing.normalize: \(planes.count) bytes into \(out.count) floats for \(channels)x\(inputSize)x\(inputSize)")
        for c in 0..<channels {
            tables[c].withUnsafeBufferPointer { table in
                for i in (c * plane)..<((c + 1) * plane) { out[i] = table[Int(planes[i])] }
            }
        }
    }
}

extension ImagePreprocessing {
    /// The mean byte value of each RGB channel over `images`, rounded to 0.01: what a network
    /// trained on them subtracts (`mean`), so that their typical colour sits near 0.
    public static func channelMeans<S: Sequence>(of images: S) -> [Float] where S.Element == Image {
        var sums = [Double](repeating: 0, count: 3), count = 0.0
        for image in images {
            let rgb = image.rgb().pixels
            for i in stride(from: 0, to: rgb.count, by: 3) {
                sums[0] += Double(rgb[i]); sums[1] += Double(rgb[i + 1]); sums[2] += Double(rgb[i + 2])
            }
            count += Double(rgb.count / 3)
        }
        return sums.map { Float(($0 / max(count, 1) * 100).rounded() / 100) }
    }
}
