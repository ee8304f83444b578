// Geometry: exact pixel rearrangements (flip, 90-degree turns, transpose, crop, pad).
//
// Each is a remap that copies whole pixels, so Image and LabelMap share one implementation
// over an interleaved byte plane `[H, W, C]`. Resampling operations (resize, rotation by any
// angle) live in Resize.swift and Warp.swift.

/// An interleaved byte plane `[H, W, C]`; the common shape of Image and LabelMap.
struct BytePlane {
    var width: Int
    var height: Int
    var channels: Int
    var bytes: [UInt8]

    /// A plane of `width` x `height` whose pixel (x, y) is copied from `source(x, y)`, or
    /// filled with `fill` where `source` returns nil.
    func remapped(width: Int, height: Int, fill: [UInt8], _ source: (Int, Int) -> (Int, Int)?) -> BytePlane {
        precondition(fill.count == channels, "remap: fill has \(fill.count) values for \(channels) channels")
        var out = [UInt8](repeating: 0, count: width * height * channels)
        let c = channels
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let o = (y * width + x) * c
                        if let (sx, sy) = source(x, y) {
                            let s = (sy * self.width + sx) * c
                            for k in 0..<c { dst[o + k] = src[s + k] }
                        } else {
                            for k in 0..<c { dst[o + k] = fill[k] }
                        }
                    }
                }
            }
        }
        return BytePlane(width: width, height: height, channels: c, bytes: out)
    }

    func flippedHorizontally() -> BytePlane {
        remapped(width: width, height: height, fill: zeroFill) { x, y in (width - 1 - x, y) }
    }

    func flippedVertically() -> BytePlane {
        remapped(width: width, height: height, fill: zeroFill) { x, y in (x, height - 1 - y) }
    }

    func transposed() -> BytePlane {
        remapped(width: height, height: width, fill: zeroFill) { x, y in (y, x) }
    }

    func rotated90(clockwiseTurns turns: Int) -> BytePlane {
        switch ((turns % 4) + 4) % 4 {
        case 1: return remapped(width: height, height: width, fill: zeroFill) { x, y in (y, height - 1 - x) }
        case 2: return remapped(width: width, height: height, fill: zeroFill) { x, y in (width - 1 - x, height - 1 - y) }
        case 3: return remapped(width: height, height: width, fill: zeroFill) { x, y in (width - 1 - y, x) }
        default: return self
        }
    }

    /// The region at (x, y) of the given size; parts outside the plane take `fill`.
    func cropped(x: Int, y: Int, width w: Int, height h: Int, fill: [UInt8]) -> BytePlane {
        remapped(width: w, height: h, fill: fill) { ox, oy in
            let sx = ox + x, sy = oy + y
            return (sx >= 0 && sx < width && sy >= 0 && sy < height) ? (sx, sy) : nil
        }
    }

    private var zeroFill: [UInt8] { [UInt8](repeating: 0, count: channels) }
}

extension Image {
    var plane: BytePlane { BytePlane(width: width, height: height, channels: channels, bytes: pixels) }
    init(_ plane: BytePlane) {
        self.init(width: plane.width, height: plane.height, channels: plane.channels, pixels: plane.bytes)
    }

    /// Mirrored left to right.
    public func flippedHorizontally() -> Image { Image(plane.flippedHorizontally()) }
    /// Mirrored top to bottom.
    public func flippedVertically() -> Image { Image(plane.flippedVertically()) }
    /// Rows become columns (mirror about the main diagonal); the result is `height` x `width`.
    public func transposed() -> Image { Image(plane.transposed()) }
    /// Turned by 90 degrees `clockwiseTurns` times (negative turns go counter-clockwise).
    public func rotated90(clockwiseTurns: Int) -> Image { Image(plane.rotated90(clockwiseTurns: clockwiseTurns)) }

    /// The `width` x `height` region whose top-left is (x, y); parts outside the image take
    /// `fill` (default black, transparent), so a crop can also pad.
    public func cropped(x: Int, y: Int, width: Int, height: Int, fill: [UInt8]? = nil) -> Image {
        precondition(width > 0 && height > 0, "cropped: empty size \(width)x\(height)")
        return Image(plane.cropped(x: x, y: y, width: width, height: height,
                                   fill: fill ?? [UInt8](repeating: 0, count: channels)))
    }

    /// Grown by the given margins, filled with `fill` (one value per channel).
    public func padded(top: Int, left: Int, bottom: Int, right: Int, fill: [UInt8]? = nil) -> Image {
        precondition(top >= 0 && left >= 0 && bottom >= 0 && right >= 0, "padded: negative margin")
        return cropped(x: -left, y: -top, width: width + left + right, height: height + top + bottom, fill: fill)
    }

    /// The RGB or gray image without its alpha channel.
    public func droppingAlpha() -> Image {
        guard channels == 4 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            out[3 * i] = pixels[4 * i]
            out[3 * i + 1] = pixels[4 * i + 1]
            out[3 * i + 2] = pixels[4 * i + 2]
        }
        return Image(width: width, height: height, channels: 3, pixels: out)
    }
}

extension LabelMap {
    var plane: BytePlane { BytePlane(width: width, height: height, channels: 1, bytes: ids) }
    init(_ plane: BytePlane) { self.init(width: plane.width, height: plane.height, ids: plane.bytes) }

    /// Mirrored left to right.
    public func flippedHorizontally() -> LabelMap { LabelMap(plane.flippedHorizontally()) }
    /// Mirrored top to bottom.
    public func flippedVertically() -> LabelMap { LabelMap(plane.flippedVertically()) }
    /// Turned by 90 degrees `clockwiseTurns` times.
    public func rotated90(clockwiseTurns: Int) -> LabelMap { LabelMap(plane.rotated90(clockwiseTurns: clockwiseTurns)) }

    /// The `width` x `height` region whose top-left is (x, y); outside is `fill` (default ignore).
    public func cropped(x: Int, y: Int, width: Int, height: Int, fill: UInt8 = LabelMap.ignore) -> LabelMap {
        precondition(width > 0 && height > 0, "cropped: empty size \(width)x\(height)")
        return LabelMap(plane.cropped(x: x, y: y, width: width, height: height, fill: [fill]))
    }

    /// Grown by the given margins filled with `fill` (default ignore).
    public func padded(top: Int, left: Int, bottom: Int, right: Int, fill: UInt8 = LabelMap.ignore) -> LabelMap {
        cropped(x: -left, y: -top, width: width + left + right, height: height + top + bottom, fill: fill)
    }
}
