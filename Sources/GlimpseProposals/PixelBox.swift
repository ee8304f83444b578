// PixelBox: a region's bounding box in whole pixels, both corners inclusive, the form the
// grouping merges and the fill similarity measures.

import GlimpseImaging

/// Inclusive pixel bounds of a region.
public struct PixelBox: Sendable, Equatable, Hashable {
    /// Leftmost column.
    public var minX: Int32
    /// Top row.
    public var minY: Int32
    /// Rightmost column.
    public var maxX: Int32
    /// Bottom row.
    public var maxY: Int32

    /// A box from inclusive bounds.
    public init(minX: Int32, minY: Int32, maxX: Int32, maxY: Int32) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// Pixels covered by the box.
    @inline(__always)
    public var area: Int { Int(maxX - minX + 1) * Int(maxY - minY + 1) }

    /// The smallest box holding both.
    @inline(__always)
    public func union(_ other: PixelBox) -> PixelBox {
        PixelBox(minX: min(minX, other.minX), minY: min(minY, other.minY),
                 maxX: max(maxX, other.maxX), maxY: max(maxY, other.maxY))
    }

    /// The same box with exclusive right and bottom edges, as `BoundingBox` stores it.
    public func boundingBox(score: Float? = nil) -> BoundingBox {
        BoundingBox(x0: Float(minX), y0: Float(minY), x1: Float(maxX) + 1, y1: Float(maxY) + 1, label: 0, score: score)
    }
}
