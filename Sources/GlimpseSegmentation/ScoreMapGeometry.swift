// ScoreMapGeometry: where each cell of a feature map sits on the input, so that score maps of
// different strides can be cropped into alignment (FCN's `coord_map.py`, which computes the
// offsets 5, 9 and 31 of the VGG16 nets from their layer shapes rather than by hand).
//
// A map's cell i is centred on input coordinate `scale * i + offset` (per axis; kernels here are
// square, so one pair serves both axes). A convolution or pooling window (kernel k, stride s,
// padding p) maps cell i of its output to cell `s * i + (k - 1) / 2 - p` of its input; a
// transposed convolution inverts that. Two maps of the same scale align when one is cropped
// by `(offset_reference - offset_cropped) / scale` cells, which must be a whole, non-negative number.

/// The input coordinate of a feature map's cells: `scale * i + offset`.
public struct ScoreMapGeometry: Sendable, Equatable, CustomStringConvertible {
    /// Input pixels per cell.
    public var scale: Double
    /// The input coordinate of cell 0's centre.
    public var offset: Double

    /// The input itself: cell i is pixel i.
    public static let input = ScoreMapGeometry(scale: 1, offset: 0)

    /// A map with cells `scale` apart starting at `offset`.
    public init(scale: Double, offset: Double) {
        precondition(scale > 0, "ScoreMapGeometry: scale \(scale)")
        (self.scale, self.offset) = (scale, offset)
    }

    /// The map after a convolution or pooling window of `kernel`, `stride`, `padding`.
    public func window(kernel: Int, stride: Int = 1, padding: Int = 0) -> ScoreMapGeometry {
        ScoreMapGeometry(scale: scale * Double(stride), offset: offset + scale * (Double(kernel - 1) / 2 - Double(padding)))
    }

    /// The map after a transposed convolution of `kernel`, `stride`, `padding`.
    public func transposed(kernel: Int, stride: Int, padding: Int = 0) -> ScoreMapGeometry {
        ScoreMapGeometry(scale: scale / Double(stride), offset: offset + scale * (Double(padding) - Double(kernel - 1) / 2) / Double(stride))
    }

    /// The cells to drop from the start of this map so that it lines up with `reference` (of
    /// the same scale); nil when the maps cannot be aligned by cropping this one (other scales,
    /// a fractional shift, or `reference` starting before this map).
    public func cropOffset(onto reference: ScoreMapGeometry) -> Int? {
        guard abs(scale - reference.scale) < 1e-9 else { return nil }
        let cells = (reference.offset - offset) / scale
        guard cells >= -1e-9, abs(cells - cells.rounded()) < 1e-9 else { return nil }
        return Int(cells.rounded())
    }

    /// `scale * i + offset`.
    public var description: String { "\(scale) * i + \(offset)" }
}

/// Output sizes of the windows and transposed convolutions a geometry describes (per axis).
public enum MapSize {
    /// A convolution or pooling window's output side: floor((size + 2p - k) / s) + 1 (0 when the window does not fit).
    public static func window(_ size: Int, kernel: Int, stride: Int = 1, padding: Int = 0) -> Int {
        let span = size + 2 * padding - kernel
        return span < 0 ? 0 : span / stride + 1
    }

    /// A transposed convolution's output side: (size - 1) * s - 2p + k.
    public static func transposed(_ size: Int, kernel: Int, stride: Int, padding: Int = 0) -> Int {
        size < 1 ? 0 : (size - 1) * stride - 2 * padding + kernel
    }
}
