// BoundingBox: an axis-aligned object box in continuous pixel coordinates.
//
// Pixel (i, j) covers [i, i+1) x [j, j+1), so a box around pixels 10...19 is x0 = 10,
// x1 = 20, and boxes move through the same AffineTransform as the pixels they frame.

/// An axis-aligned box (x0, y0)-(x1, y1) with a class id and, for detections, a score.
public struct BoundingBox: Sendable, Equatable {
    /// Left edge.
    public var x0: Float
    /// Top edge.
    public var y0: Float
    /// Right edge (exclusive).
    public var x1: Float
    /// Bottom edge (exclusive).
    public var y1: Float
    /// Class id.
    public var label: Int
    /// Confidence, for detections; nil for ground truth.
    public var score: Float?

    /// Creates a box from its edges.
    public init(x0: Float, y0: Float, x1: Float, y1: Float, label: Int = 0, score: Float? = nil) {
        (self.x0, self.y0, self.x1, self.y1, self.label, self.score) = (x0, y0, x1, y1, label, score)
    }

    /// x1 - x0 (0 when inverted).
    public var width: Float { max(0, x1 - x0) }
    /// y1 - y0 (0 when inverted).
    public var height: Float { max(0, y1 - y0) }
    /// width x height.
    public var area: Float { width * height }

    /// The part inside a `width` x `height` image.
    public func clipped(width: Int, height: Int) -> BoundingBox {
        var box = self
        box.x0 = min(max(x0, 0), Float(width))
        box.x1 = min(max(x1, 0), Float(width))
        box.y0 = min(max(y0, 0), Float(height))
        box.y1 = min(max(y1, 0), Float(height))
        return box
    }

    /// The smallest box holding the four transformed corners.
    public func transformed(by transform: AffineTransform) -> BoundingBox {
        let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)].map { transform.apply(Double($0.0), Double($0.1)) }
        var box = self
        box.x0 = Float(corners.map(\.0).min()!)
        box.x1 = Float(corners.map(\.0).max()!)
        box.y0 = Float(corners.map(\.1).min()!)
        box.y1 = Float(corners.map(\.1).max()!)
        return box
    }
}

extension Array where Element == BoundingBox {
    /// Each box clipped to the image, dropping those with less than `minVisible` of their
    /// area left inside (mostly outside) or with no area at all.
    public func clipped(width: Int, height: Int, minVisible: Float = 0.5) -> [BoundingBox] {
        compactMap { box in
            let inside = box.clipped(width: width, height: height)
            guard inside.area > 0, box.area > 0, inside.area >= minVisible * box.area else { return nil }
            return inside
        }
    }
}
