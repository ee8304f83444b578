// Im2col: unfolding image patches into matrix columns so a convolution becomes one GEMM
// (Chellapilla et al. 2006; darknet's src/im2col.c), and col2im, its adjoint, which
// folds columns back and sums overlaps (the convolution's input gradient).
//
// For one image `[C, H, W]` the column matrix is `[C * kH * kW, outH * outW]`: row
// `(c * kH + ky) * kW + kx` holds, for every output pixel, the input pixel that kernel
// tap (c, ky, kx) sees there, or 0 in the padding.

/// The sizes of a 2-D convolution or pooling window over one image.
public struct ConvGeometry: Sendable, Equatable {
    /// Input channels.
    public let channels: Int
    /// Input height and width.
    public let height: Int, width: Int
    /// Window height and width.
    public let kernelHeight: Int, kernelWidth: Int
    /// Step between windows.
    public let strideY: Int, strideX: Int
    /// Zeros added on each side.
    public let padY: Int, padX: Int

    /// Creates the geometry; the window must fit the padded input at least once.
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                strideY: Int = 1, strideX: Int = 1, padY: Int = 0, padX: Int = 0) {
        precondition(channels > 0 && height > 0 && width > 0, "ConvGeometry: empty input")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideY > 0 && strideX > 0 && padY >= 0 && padX >= 0,
                     "ConvGeometry: bad window")
        precondition(height + 2 * padY >= kernelHeight && width + 2 * padX >= kernelWidth,
                     "ConvGeometry: window \(kernelHeight)x\(kernelWidth) larger than padded input \(height)x\(width)")
        self.channels = channels; self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.strideY = strideY; self.strideX = strideX; self.padY = padY; self.padX = padX
    }

    /// Output height: `(H + 2 pad - kH) / stride + 1` (floor).
    @inlinable public var outHeight: Int { (height + 2 * padY - kernelHeight) / strideY + 1 }
    /// Output width: `(W + 2 pad - kW) / stride + 1` (floor).
    @inlinable public var outWidth: Int { (width + 2 * padX - kernelWidth) / strideX + 1 }
    /// Rows of the column matrix: `C * kH * kW`.
    @inlinable public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the column matrix: `outH * outW`.
    @inlinable public var outPixels: Int { outHeight * outWidth }
    /// Elements of one input image: `C * H * W`.
    @inlinable public var imageSize: Int { channels * height * width }
}

/// im2col and col2im for one image, a naive reference and the fast kernel checked against it.
public enum Im2col {
    /// Naive reference: `image` `[C, H, W]` to `columns` `[C*kH*kW, outH*outW]`, element by element.
    public static func naiveUnfold(_ g: ConvGeometry, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        naiveWindows(g) { column, pixel in columns[column] = pixel.map { image[$0] } ?? 0 }
    }

    /// Naive reference: adds `columns` `[C*kH*kW, outH*outW]` back into `image` `[C, H, W]` (which it does not clear).
    public static func naiveFold(_ g: ConvGeometry, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
        naiveWindows(g) { column, pixel in if let pixel { image[pixel] += columns[column] } }
    }

    /// Every element of the column matrix `[C*kH*kW, outH*outW]` in order, with the index of the
    /// image pixel `[C, H, W]` it reads, or nil where the window lies on the padding.
    private static func naiveWindows(_ g: ConvGeometry, _ body: (_ column: Int, _ pixel: Int?) -> Void) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        for c in 0..<g.channels {
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    let row = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let iy = oy * g.strideY - g.padY + ky
                            let ix = ox * g.strideX - g.padX + kx
                            let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                            body(row * oh * ow + oy * ow + ox, inside ? (c * g.height + iy) * g.width + ix : nil)
                        }
                    }
                }
            }
        }
    }

    /// The valid output range `[lo, hi)` along one axis for kernel offset `k`:
    /// outputs `o` with `0 <= o * stride - pad + k < size`.
    @inline(__always)
    static func validRange(size: Int, out: Int, stride: Int, pad: Int, k: Int) -> (Int, Int) {
        // smallest o with o*stride >= pad - k
        let need = pad - k
        var lo = need <= 0 ? 0 : (need + stride - 1) / stride
        // largest o with o*stride - pad + k <= size - 1
        let top = size - 1 + pad - k
        var hi = top < 0 ? 0 : top / stride + 1
        lo = min(lo, out); hi = min(max(hi, lo), out)
        return (lo, hi)
    }

    /// Fast unfold: `image` `[C, H, W]` to `columns` `[C*kH*kW, outH*outW]`, row segments copied whole.
    public static func unfold(_ g: ConvGeometry, image: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let (sy, sx) = (g.strideY, g.strideX)
        var dst = columns
        for c in 0..<g.channels {
            let plane = image + c * g.height * g.width
            for ky in 0..<g.kernelHeight {
                let (y0, y1) = validRange(size: g.height, out: oh, stride: sy, pad: g.padY, k: ky)
                for kx in 0..<g.kernelWidth {
                    let (x0, x1) = validRange(size: g.width, out: ow, stride: sx, pad: g.padX, k: kx)
                    // Rows above and below the image are zero.
                    if y0 > 0 { dst.update(repeating: 0, count: y0 * ow) }
                    if y1 < oh { (dst + y1 * ow).update(repeating: 0, count: (oh - y1) * ow) }
                    if sx == 1 && sy == 1 && ow == g.width {
                        // A "same"-width window: the valid rows are one contiguous run of the
                        // input plane; copy it whole, then zero the columns that wrapped round.
                        if y1 > y0 {
                            // output index d = oy * ow + ox reads input index d + base
                            let base = (ky - g.padY) * g.width + (kx - g.padX)
                            let start = y0 * ow
                            let first = max(0, -(start + base))
                            let last = min((y1 - y0) * ow, g.height * g.width - (start + base))
                            if last > first {
                                (dst + start + first).update(from: plane + start + base + first, count: last - first)
                            }
                            for i in 0..<first { dst[start + i] = 0 }
                            for i in max(last, first)..<((y1 - y0) * ow) { dst[start + i] = 0 }
                            for oy in y0..<y1 {
                                let out = dst + oy * ow
                                for i in 0..<x0 { out[i] = 0 }
                                for i in x1..<max(ow, x1) { out[i] = 0 }
                            }
                        }
                    } else {
                        for oy in y0..<y1 {
                            let out = dst + oy * ow
                            if x0 > 0 { out.update(repeating: 0, count: x0) }
                            if x1 < ow { (out + x1).update(repeating: 0, count: ow - x1) }
                            if x1 > x0 {
                                let src = plane + (oy * sy - g.padY + ky) * g.width + (x0 * sx - g.padX + kx)
                                if sx == 1 {
                                    (out + x0).update(from: src, count: x1 - x0)
                                } else {
                                    for i in 0..<(x1 - x0) { out[x0 + i] = src[i * sx] }
                                }
                            }
                        }
                    }
                    dst += oh * ow
                }
            }
        }
    }

    /// Fast fold: adds `columns` `[C*kH*kW, outH*outW]` into `image` `[C, H, W]` (which it does not clear).
    public static func fold(_ g: ConvGeometry, columns: UnsafePointer<Float>, image: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let (sy, sx) = (g.strideY, g.strideX)
        var src = columns
        for c in 0..<g.channels {
            let plane = image + c * g.height * g.width
            for ky in 0..<g.kernelHeight {
                let (y0, y1) = validRange(size: g.height, out: oh, stride: sy, pad: g.padY, k: ky)
                for kx in 0..<g.kernelWidth {
                    let (x0, x1) = validRange(size: g.width, out: ow, stride: sx, pad: g.padX, k: kx)
                    if x1 > x0 {
                        for oy in y0..<y1 {
                            let row = src + oy * ow + x0
                            let dst = plane + (oy * sy - g.padY + ky) * g.width + (x0 * sx - g.padX + kx)
                            if sx == 1 {
                                for i in 0..<(x1 - x0) { dst[i] += row[i] }
                            } else {
                                for i in 0..<(x1 - x0) { dst[i * sx] += row[i] }
                            }
                        }
                    }
                    src += oh * ow
                }
            }
        }
    }
}
