// AffineTransform: a 2-D affine map of continuous pixel coordinates, and warping by one.
//
// Coordinates are continuous with pixel (i, j) covering [i, i+1) x [j, j+1), so boxes and
// pixels transform by the same matrix. Warping maps each output pixel centre through the
// inverse and samples the source there: bilinear for images, nearest for label maps, with a
// fill value outside the source. Rotation, shift and scale augmentations are all this.

import Foundation

/// (x, y) -> (a x + b y + tx, c x + d y + ty).
public struct AffineTransform: Sendable, Equatable {
    /// Row 1: x' = a x + b y + tx.
    public var a: Double, b: Double, tx: Double
    /// Row 2: y' = c x + d y + ty.
    public var c: Double, d: Double, ty: Double

    /// Creates a transform from its six coefficients.
    public init(a: Double, b: Double, tx: Double, c: Double, d: Double, ty: Double) {
        (self.a, self.b, self.tx, self.c, self.d, self.ty) = (a, b, tx, c, d, ty)
    }

    /// The identity.
    public static let identity = AffineTransform(a: 1, b: 0, tx: 0, c: 0, d: 1, ty: 0)

    /// A shift by (dx, dy).
    public static func translation(_ dx: Double, _ dy: Double) -> AffineTransform {
        AffineTransform(a: 1, b: 0, tx: dx, c: 0, d: 1, ty: dy)
    }

    /// A scaling by (sx, sy) about the point (cx, cy).
    public static func scaling(_ sx: Double, _ sy: Double, about cx: Double, _ cy: Double) -> AffineTransform {
        AffineTransform(a: sx, b: 0, tx: cx - sx * cx, c: 0, d: sy, ty: cy - sy * cy)
    }

    /// A rotation by `degrees` counter-clockwise as seen on screen (y points down) about (cx, cy).
    public static func rotation(degrees: Double, about cx: Double, _ cy: Double) -> AffineTransform {
        let t = degrees * Double.pi / 180, cs = cos(t), sn = sin(t)
        // x' - cx = cos (x - cx) + sin (y - cy);  y' - cy = -sin (x - cx) + cos (y - cy)
        return AffineTransform(a: cs, b: sn, tx: cx - cs * cx - sn * cy, c: -sn, d: cs, ty: cy + sn * cx - cs * cy)
    }

    /// Where a point goes.
    public func apply(_ x: Double, _ y: Double) -> (Double, Double) {
        (a * x + b * y + tx, c * x + d * y + ty)
    }

    /// `self` after `other`: (self * other)(p) = self(other(p)).
    public func after(_ other: AffineTransform) -> AffineTransform {
        AffineTransform(a: a * other.a + b * other.c, b: a * other.b + b * other.d, tx: a * other.tx + b * other.ty + tx,
                        c: c * other.a + d * other.c, d: c * other.b + d * other.d, ty: c * other.tx + d * other.ty + ty)
    }

    /// The inverse map; precondition: not singular.
    public var inverse: AffineTransform {
        let det = a * d - b * c
        precondition(abs(det) > 1e-12, "AffineTransform: singular")
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return AffineTransform(a: ia, b: ib, tx: -(ia * tx + ib * ty), c: ic, d: id, ty: -(ic * tx + id * ty))
    }
}

extension Image {
    /// The image moved by `transform` onto a `width` x `height` canvas, bilinear, with `fill`
    /// (one value per channel, default black/transparent) where no source pixel lands.
    public func warped(by transform: AffineTransform, width newWidth: Int, height newHeight: Int,
                       fill: [UInt8]? = nil) -> Image {
        let c = channels
        let fillValues = (fill ?? [UInt8](repeating: 0, count: c)).map(Float.init)
        precondition(fillValues.count == c, "warped: fill has \(fillValues.count) values for \(c) channels")
        let inverse = transform.inverse
        var out = [UInt8](repeating: 0, count: newWidth * newHeight * c)
        pixels.withUnsafeBufferPointer { src in
            for y in 0..<newHeight {
                for x in 0..<newWidth {
                    let (u, v) = inverse.apply(Double(x) + 0.5, Double(y) + 0.5)
                    let fx = u - 0.5, fy = v - 0.5
                    let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
                    let wx = Float(fx - Double(x0)), wy = Float(fy - Double(y0))
                    let o = (y * newWidth + x) * c
                    if x0 < -1 || y0 < -1 || x0 >= width || y0 >= height {
                        for k in 0..<c { out[o + k] = UInt8(fillValues[k]) }
                        continue
                    }
                    for k in 0..<c {
                        func tap(_ sx: Int, _ sy: Int) -> Float {
                            (sx >= 0 && sy >= 0 && sx < width && sy < height) ? Float(src[(sy * width + sx) * c + k]) : fillValues[k]
                        }
                        let top = tap(x0, y0) * (1 - wx) + tap(x0 + 1, y0) * wx
                        let bottom = tap(x0, y0 + 1) * (1 - wx) + tap(x0 + 1, y0 + 1) * wx
                        out[o + k] = clampByte(top * (1 - wy) + bottom * wy)
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: out)
    }

    /// Rotated by `degrees` counter-clockwise about the centre, same size, bilinear, corners
    /// filled with `fill`.
    public func rotated(degrees: Double, fill: [UInt8]? = nil) -> Image {
        warped(by: .rotation(degrees: degrees, about: Double(width) / 2, Double(height) / 2),
               width: width, height: height, fill: fill)
    }
}

extension LabelMap {
    /// The map moved by `transform` onto a `width` x `height` canvas, nearest neighbour,
    /// `fill` (default ignore) where no source pixel lands.
    public func warped(by transform: AffineTransform, width newWidth: Int, height newHeight: Int,
                       fill: UInt8 = LabelMap.ignore) -> LabelMap {
        let inverse = transform.inverse
        return LabelMap(plane.remapped(width: newWidth, height: newHeight, fill: [fill]) { x, y in
            let (u, v) = inverse.apply(Double(x) + 0.5, Double(y) + 0.5)
            let sx = Int(u.rounded(.down)), sy = Int(v.rounded(.down))
            return (sx >= 0 && sy >= 0 && sx < width && sy < height) ? (sx, sy) : nil
        })
    }

    /// Rotated by `degrees` counter-clockwise about the centre (nearest), outside = `fill`.
    public func rotated(degrees: Double, fill: UInt8 = LabelMap.ignore) -> LabelMap {
        warped(by: .rotation(degrees: degrees, about: Double(width) / 2, Double(height) / 2),
               width: width, height: height, fill: fill)
    }
}
