// AnchorGrid: the reference boxes of a region proposal network (Ren et al. 2015, section 3.1.1):
// at every cell of the feature map, one box per (aspect ratio, size) pair, centred on the cell.
//
// py-faster-rcnn's `generate_anchors.py` builds 9 anchors from a 16 px base (ratios 0.5, 1, 2 x
// scales 8, 16, 32: 128-512 px on ~600 px images). The digits of the generated scenes are
// 5-45 px on 128 px images (7-68 px on the 192 px network input) and taller than wide, so the
// shipped anchors are measured on the training split instead (docs/detection.md): sizes
// (square root of the area) 10, 16, 24, 36, 54 input pixels and height/width ratios 1, 1.6, 2.5.
// On 1,500 training objects, 79.8 % have an anchor at IoU >= 0.7 on the 49 x 49 grid of the
// 192 px input and 99.2 % one at IoU >= 0.5 (py-faster-rcnn's 9 anchors scaled to 16/32/64 with
// ratios 0.5/1/2: 42 % and 97 %).
//
// Anchor k of a `h` x `w` map is at cell (y, x) = ((k / A) / w, (k / A) % w) with shape a = k % A,
// the layout of the head's outputs (objectness channel a, deltas channels 4a..4a+3). Shapes run
// ratio-major, size-minor, as in `generate_anchors.py`. Cell (y, x) is centred at
// ((x + 0.5) * S / w, (y + 0.5) * S / h) on the S x S input: the trunk's measured scale, like
// RoI pooling's, not a nominal stride.

import Foundation
import GlimpseImaging
import GlimpseStages

/// Anchor shapes and their placement on a feature map.
public struct AnchorGrid: Sendable, Equatable {
    /// Square roots of the anchors' areas, in network-input pixels.
    public var sizes: [Float]
    /// Height / width of the anchors.
    public var ratios: [Float]

    /// Creates a grid; every size and ratio must be positive and finite.
    public init(sizes: [Float], ratios: [Float]) {
        precondition(!sizes.isEmpty && !ratios.isEmpty, "AnchorGrid: no sizes or no ratios")
        precondition((sizes + ratios).allSatisfy { $0 > 0 && $0.isFinite }, "AnchorGrid: sizes \(sizes) and ratios \(ratios) must be positive")
        (self.sizes, self.ratios) = (sizes, ratios)
    }

    /// The shipped anchors for the generated scenes at 192 px (see the file comment).
    public static let scenes = AnchorGrid(sizes: [10, 16, 24, 36, 54], ratios: [1, 1.6, 2.5])

    /// Anchors per feature-map cell (A).
    public var perPosition: Int { sizes.count * ratios.count }

    /// The (width, height) of each of the A shapes, ratio-major.
    public var shapes: [(width: Float, height: Float)] {
        ratios.flatMap { ratio in sizes.map { size in (size / ratio.squareRoot(), size * ratio.squareRoot()) } }
    }

    /// Every anchor of a `featureHeight` x `featureWidth` map on an `inputSize` square input, in
    /// input pixels, index (y * featureWidth + x) * A + a.
    public func anchors(featureHeight: Int, featureWidth: Int, inputSize: Int) -> [BoundingBox] {
        precondition(featureHeight >= 1 && featureWidth >= 1 && inputSize >= 1, "AnchorGrid: map \(featureHeight)x\(featureWidth), input \(inputSize)")
        let (sx, sy) = (Float(inputSize) / Float(featureWidth), Float(inputSize) / Float(featureHeight))
        let shapes = self.shapes
        var boxes = [BoundingBox]()
        boxes.reserveCapacity(featureHeight * featureWidth * shapes.count)
        for y in 0..<featureHeight {
            let cy = (Float(y) + 0.5) * sy
            for x in 0..<featureWidth {
                let cx = (Float(x) + 0.5) * sx
                for (w, h) in shapes {
                    boxes.append(BoundingBox(x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2))
                }
            }
        }
        return boxes
    }

    /// The metadata keys of a weights file: `rpn.anchor_sizes`, `rpn.anchor_ratios`.
    public var metadata: [String: String] {
        ["rpn.anchor_sizes": sizes.map { String($0) }.joined(separator: ","),
         "rpn.anchor_ratios": ratios.map { String($0) }.joined(separator: ",")]
    }

    /// Reads `metadata`; throws `StageError` naming `file` when a key is missing or not a list of positive numbers.
    public init(metadata: [String: String], file: String) throws {
        func list(_ key: String) throws -> [Float] {
            guard let text = metadata[key] else { throw StageError(file: file, problem: "no \"\(key)\" metadata") }
            let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
                throw StageError(file: file, problem: "\"\(key)\" is not a list of positive numbers: \(text)")
            }
            return values.map { $0! }
        }
        self.init(sizes: try list("rpn.anchor_sizes"), ratios: try list("rpn.anchor_ratios"))
    }

    /// Throws `StageError` naming `file` unless these anchors fit a network whose head has
    /// `headChannels` objectness outputs per cell on a `featureHeight` x `featureWidth` map of an
    /// `inputSize` input: one output per anchor shape, and every anchor's centre cell and extent
    /// usable (no anchor larger than the whole input, at least one cell).
    public func check(headChannels: Int, featureHeight: Int, featureWidth: Int, inputSize: Int, file: String) throws {
        guard headChannels == perPosition else {
            throw StageError(file: file, problem: "the anchors do not fit the feature map: \(sizes.count) sizes x \(ratios.count) ratios = "
                             + "\(perPosition) anchors per cell, but the objectness layer has \(headChannels) outputs per cell")
        }
        guard featureHeight >= 1, featureWidth >= 1 else {
            throw StageError(file: file, problem: "the anchors do not fit the feature map: the trunk gives a \(featureHeight)x\(featureWidth) map")
        }
        if let big = shapes.first(where: { $0.width > Float(inputSize) * 2 || $0.height > Float(inputSize) * 2 }) {
            throw StageError(file: file, problem: "the anchors do not fit the feature map: a \(big.width)x\(big.height) anchor on a \(inputSize) px input")
        }
    }
}
