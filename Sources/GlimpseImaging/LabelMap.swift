// LabelMap: a per-pixel class-id map, the target of semantic segmentation.
//
// VOC stores these as palette PNGs whose palette indices are the class ids (0 background,
// 1-20 objects, 255 the "ignore" border); PNG.decodeIndices reads them without going through
// colour, and PNG.encode(_:palette:) writes them back with a palette for viewing.

/// Class ids (UInt8) per pixel, laid out `[H, W]`; `LabelMap.ignore` (255) marks pixels to skip.
public struct LabelMap: Sendable, Equatable {
    /// The id that marks pixels excluded from losses and metrics.
    public static let ignore: UInt8 = 255
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Class ids, `[H, W]` row-major.
    public var ids: [UInt8] {
        didSet { precondition(ids.count == width * height, "LabelMap: storage size changed") }
    }

    /// Creates a label map from ids laid out `[H, W]`.
    public init(width: Int, height: Int, ids: [UInt8]) {
        precondition(width >= 0 && height >= 0 && ids.count == width * height,
                     "LabelMap: \(ids.count) ids do not fill \(width)x\(height)")
        self.width = width
        self.height = height
        self.ids = ids
    }

    /// Creates a label map filled with one id.
    public init(width: Int, height: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, ids: [UInt8](repeating: fill, count: width * height))
    }

    /// The id at column `x`, row `y`.
    @inlinable
    public subscript(x: Int, y: Int) -> UInt8 {
        get { ids[y * width + x] }
        set { ids[y * width + x] = newValue }
    }

    /// The distinct ids present, ascending.
    public var presentIDs: [UInt8] {
        var seen = [Bool](repeating: false, count: 256)
        for id in ids { seen[Int(id)] = true }
        return (0..<256).filter { seen[$0] }.map { UInt8($0) }
    }
}

/// A class palette: RGB colours indexed by class id.
public struct Palette: Sendable, Equatable {
    /// RGB triples, `colors[id] = [r, g, b]`.
    public var colors: [[UInt8]]

    /// Creates a palette from RGB triples.
    public init(colors: [[UInt8]]) {
        precondition(colors.allSatisfy { $0.count == 3 } && colors.count <= 256, "Palette: need <= 256 RGB triples")
        self.colors = colors
    }

    /// The PASCAL VOC palette (256 entries): the bits of the id spread over R, G, B from the
    /// most significant bit down, as in the VOC devkit's `labelcolormap`.
    public static let voc: Palette = {
        var colors = [[UInt8]]()
        for id in 0..<256 {
            var r = 0, g = 0, b = 0, c = id
            for j in 0..<8 {
                r |= ((c >> 0) & 1) << (7 - j)
                g |= ((c >> 1) & 1) << (7 - j)
                b |= ((c >> 2) & 1) << (7 - j)
                c >>= 3
            }
            colors.append([UInt8(r), UInt8(g), UInt8(b)])
        }
        return Palette(colors: colors)
    }()

    /// The colour of a class id (black beyond the palette).
    public func color(_ id: UInt8) -> [UInt8] {
        Int(id) < colors.count ? colors[Int(id)] : [0, 0, 0]
    }
}
