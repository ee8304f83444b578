// InstanceMask: the pixels of one object instance, the ground truth of instance segmentation.

/// A binary mask laid out `[H, W]` row-major; `true` marks the instance's pixels.
public struct InstanceMask: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Membership per pixel, `[H, W]` row-major.
    public var bits: [Bool] {
        didSet { precondition(bits.count == width * height, "InstanceMask: storage size changed") }
    }

    /// Creates a mask from bits laid out `[H, W]`.
    public init(width: Int, height: Int, bits: [Bool]) {
        precondition(width >= 0 && height >= 0 && bits.count == width * height,
                     "InstanceMask: \(bits.count) bits do not fill \(width)x\(height)")
        self.width = width
        self.height = height
        self.bits = bits
    }

    /// An empty mask.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, bits: [Bool](repeating: false, count: width * height))
    }

    /// Whether pixel (x, y) belongs to the instance.
    @inlinable
    public subscript(x: Int, y: Int) -> Bool {
        get { bits[y * width + x] }
        set { bits[y * width + x] = newValue }
    }

    /// The number of instance pixels.
    public var area: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The tight box around the instance pixels (pixel (x, y) covers [x, x+1) x [y, y+1));
    /// nil for an empty mask.
    public func tightBox() -> BoundingBoxEdges? {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            for x in 0..<width where bits[y * width + x] {
                x0 = min(x0, x); x1 = max(x1, x)
                y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return nil }
        return BoundingBoxEdges(x0: x0, y0: y0, x1: x1 + 1, y1: y1 + 1)
    }

    /// The number of pixels where this mask and `other` (same size) differ.
    public func differingPixels(from other: InstanceMask) -> Int {
        precondition(width == other.width && height == other.height, "differingPixels: sizes differ")
        var n = 0
        for i in 0..<bits.count where bits[i] != other.bits[i] { n += 1 }
        return n
    }
}

/// Whole-pixel box edges, x1 and y1 exclusive.
public struct BoundingBoxEdges: Sendable, Equatable {
    /// Left column.
    public var x0: Int
    /// Top row.
    public var y0: Int
    /// One past the right column.
    public var x1: Int
    /// One past the bottom row.
    public var y1: Int
    /// Creates edges.
    public init(x0: Int, y0: Int, x1: Int, y1: Int) { (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1) }
}
