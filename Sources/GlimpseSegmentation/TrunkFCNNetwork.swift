// TrunkFCNNetwork: a fully convolutional segmentation head on a detector's trunk, so that one
// trunk pass per image feeds the detector and the segmenter (the `trunk-fcn` segmenter).
//
//   image -> resized to the detector's input S x S -> trunk (the detector's DeepConvNet
//   conv1..relu6, frozen: its weights are an unchanged copy) -> relu6 [N, 64, h, w] (stride 4)
//   -> head: seg_conv (3x3, 64 -> hidden, pad 1), seg_relu, seg_score (1x1, hidden -> K) -> [N, K, h, w]
//   -> bilinear interpolation of the K scores at each image pixel, argmax -> label map
//
// The structure is FCN-32s's (Long et al. 2015: scores from the last layer only, enlarged once
// by the trunk's whole stride, no skips), on a trunk the detector fine-tuned. The enlargement
// is fixed bilinear interpolation, as FCN's upsampling filters are; training scores the map's
// cells against the label at each cell's centre (the ground truth subsampled to the map, as
// DeepLab v1 trains, Chen et al. 2015), so the loss never runs at image resolution.
//
// Geometry of relu6 (DeepConvNet: 3x3 convolutions padded by 1, conv4 by 2; 2x2 pools): cell j
// covers input pixels [4j - 2, 4j + 2) and is centred on the input coordinate 4j (continuous
// coordinates, pixel p spans [p, p + 1)). `cellCentre` says so once; a test checks it against
// the trunk's response to a single lit pixel.

import GlimpseImaging
import GlimpseNN
import GlimpseTensor

/// A segmentation head on a detector's trunk, with that trunk.
public struct TrunkFCNNetwork: Sendable {
    /// The detector's trunk, `[N, C, S, S]` -> `[N, 64, h, w]` (its layers named as the detector's).
    public var trunk: Sequential
    /// `seg_conv`, `seg_relu`, `seg_score`: `[N, 64, h, w]` -> `[N, classes, h, w]`.
    public var head: Sequential
    /// The trunk's input side in pixels (the detector's).
    public let inputSize: Int

    /// The trunk layer the head reads.
    public static let featureLayer = "relu6"
    /// Input pixels per map cell.
    public static let cellStride: Float = 4

    /// The continuous input coordinate cell `j` of relu6 is centred on (see the file comment).
    @inlinable
    public static func cellCentre(_ j: Int) -> Float { cellStride * Float(j) }

    /// Wraps a trunk ending at `featureLayer` and a head.
    public init(trunk: Sequential, head: Sequential, inputSize: Int) {
        precondition(trunk.layers.last?.name == Self.featureLayer, "TrunkFCNNetwork: the trunk must end at \(Self.featureLayer)")
        (self.trunk, self.head, self.inputSize) = (trunk, head, inputSize)
    }

    /// A fresh head for `channels`-channel maps scoring `classes` classes through `hidden` units,
    /// He-initialised from `seed`, the scores starting at zero (as FCN's score layers).
    public static func makeHead(channels: Int = 64, hidden: Int, classes: Int, seed: UInt64) -> Sequential {
        precondition(channels >= 1 && hidden >= 1 && classes >= 2, "TrunkFCNNetwork: channels \(channels), hidden \(hidden), classes \(classes)")
        var random = SeededGenerator(seed: seed).derived(0x7365_676d)
        return Sequential([
            ("seg_conv", Conv2D(inChannels: channels, outChannels: hidden, kernelSize: 3, padding: 1, random: &random)),
            ("seg_relu", ReLU()),
            ("seg_score", Conv2D(weight: Tensor(zeros: [classes, hidden, 1, 1]), bias: Tensor(zeros: [classes]))),
        ])
    }

    /// The classes the head scores.
    public var classes: Int {
        guard let score = head["seg_score"] as? Conv2D else { preconditionFailure("TrunkFCNNetwork: no seg_score layer") }
        return score.outChannels
    }

    /// Trunk and head as one container (parameter names `trunk.*` and `head.*`: the weights file's keys).
    public var container: Sequential { Sequential([("trunk", trunk), ("head", head)]) }

    /// The cell scores of trunk maps `[N, 64, h, w]`: `[N, classes, h, w]`.
    public func scores(featureMap: Tensor) -> Tensor { head(featureMap) }

    /// The label at each cell centre of an `side` x `side` map over `map` resized to the input
    /// (nearest pixel), row-major: what a cell is trained to score.
    public static func cellLabels(_ map: LabelMap, side: Int, inputSize: Int) -> [UInt8] {
        let (sx, sy) = (Float(map.width) / Float(inputSize), Float(map.height) / Float(inputSize))
        let xs = (0..<side).map { min(map.width - 1, max(0, Int((cellCentre($0) * sx).rounded(.down)))) }
        let ys = (0..<side).map { min(map.height - 1, max(0, Int((cellCentre($0) * sy).rounded(.down)))) }
        var out = [UInt8](repeating: 0, count: side * side)
        for (i, y) in ys.enumerated() {
            for (j, x) in xs.enumerated() { out[i * side + j] = map[x, y] }
        }
        return out
    }

    /// For each of `count` pixels of an image side that the input stretched over `inputSize`
    /// pixels: the two cells (of `side`) to interpolate between and the second one's weight.
    static func interpolation(count: Int, side: Int, inputSize: Int) -> [(Int, Int, Float)] {
        let scale = Float(inputSize) / Float(count) / cellStride
        return (0..<count).map { p in
            let u = min(Float(side - 1), max(0, (Float(p) + 0.5) * scale))
            let low = min(side - 1, Int(u.rounded(.down)))
            return (low, min(side - 1, low + 1), u - Float(low))
        }
    }

    /// The label map of an `imageWidth` x `imageHeight` image from its cell scores `[1, K, h, w]`:
    /// the scores interpolated bilinearly at each pixel's centre, then the highest (the first on ties).
    public static func labelMap(scores: Tensor, inputSize: Int, imageWidth: Int, imageHeight: Int) -> LabelMap {
        precondition(scores.rank == 4 && scores.shape[0] == 1, "TrunkFCNNetwork.labelMap: scores must be [1, K, h, w], got \(scores.shape)")
        precondition(imageWidth >= 1 && imageHeight >= 1, "TrunkFCNNetwork.labelMap: image \(imageWidth)x\(imageHeight)")
        let (k, h, w) = (scores.shape[1], scores.shape[2], scores.shape[3])
        let columns = interpolation(count: imageWidth, side: w, inputSize: inputSize)
        let rows = interpolation(count: imageHeight, side: h, inputSize: inputSize)
        let plane = h * w
        var ids = [UInt8](repeating: 0, count: imageWidth * imageHeight)
        var rowScores = [Float](repeating: 0, count: k * w)
        scores.withUnsafeBufferPointer { s in
            for (y, (r0, r1, t)) in rows.enumerated() {
                // the two map rows blended once per image row, then the columns per pixel
                for c in 0..<k {
                    for x in 0..<w { rowScores[c * w + x] = s[c * plane + r0 * w + x] * (1 - t) + s[c * plane + r1 * w + x] * t }
                }
                for (x, (c0, c1, u)) in columns.enumerated() {
                    var best = 0
                    var top = rowScores[c0] * (1 - u) + rowScores[c1] * u
                    for c in 1..<k {
                        let v = rowScores[c * w + c0] * (1 - u) + rowScores[c * w + c1] * u
                        if v > top { (best, top) = (c, v) }
                    }
                    ids[y * imageWidth + x] = UInt8(best)
                }
            }
        }
        return LabelMap(width: imageWidth, height: imageHeight, ids: ids)
    }
}
