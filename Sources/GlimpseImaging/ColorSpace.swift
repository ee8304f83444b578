// ColorSpace: RGB <-> grayscale, HSV and CIE L*a*b*, which selective search and colour
// augmentations need.
//
// Gray uses the ITU-R BT.601 luma weights (0.299, 0.587, 0.114), as PIL's "L" conversion.
// HSV components are all in [0, 1] (hue as a fraction of the turn), as in scikit-image.
// Lab is CIE 1976 L*a*b* from sRGB (IEC 61966-2-1) through XYZ with the D65 white point;
// L* in [0, 100], a* and b* roughly in [-128, 127].

import Foundation

extension Image {
    /// One gray channel (alpha dropped); gray images are returned unchanged.
    public func grayscale() -> Image {
        if channels == 1 { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { src in
            for i in 0..<(width * height) {
                let r = Int(src[i * channels]), g = Int(src[i * channels + 1]), b = Int(src[i * channels + 2])
                out[i] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }

    /// Three RGB channels: gray replicated, alpha dropped.
    public func rgb() -> Image {
        switch channels {
        case 3: return self
        case 4: return droppingAlpha()
        default:
            var out = [UInt8](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                out[3 * i] = pixels[i]
                out[3 * i + 1] = pixels[i]
                out[3 * i + 2] = pixels[i]
            }
            return Image(width: width, height: height, channels: 3, pixels: out)
        }
    }

    /// HSV values laid out `[H, W, 3]`, each in [0, 1] (alpha dropped; gray counts as RGB).
    public func hsv() -> [Float] {
        let source = rgb()
        var out = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let r = Float(source.pixels[3 * i]) / 255, g = Float(source.pixels[3 * i + 1]) / 255
            let b = Float(source.pixels[3 * i + 2]) / 255
            let maximum = max(r, g, b), minimum = min(r, g, b), delta = maximum - minimum
            var h: Float = 0
            if delta > 0 {
                if maximum == r { h = (g - b) / delta } else if maximum == g { h = 2 + (b - r) / delta } else { h = 4 + (r - g) / delta }
                h /= 6
                if h < 0 { h += 1 }
            }
            out[3 * i] = h
            out[3 * i + 1] = maximum > 0 ? delta / maximum : 0
            out[3 * i + 2] = maximum
        }
        return out
    }

    /// An RGB image from HSV values laid out `[H, W, 3]`, each in [0, 1].
    public init(hsv values: [Float], width: Int, height: Int) {
        precondition(values.count == width * height * 3, "Image(hsv:): need [H, W, 3] values")
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let h = values[3 * i] - values[3 * i].rounded(.down), s = values[3 * i + 1], v = values[3 * i + 2]
            let sector = h * 6, k = Int(sector) % 6, f = sector - Float(Int(sector))
            let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
            let (r, g, b): (Float, Float, Float)
            switch k {
            case 0: (r, g, b) = (v, t, p)
            case 1: (r, g, b) = (q, v, p)
            case 2: (r, g, b) = (p, v, t)
            case 3: (r, g, b) = (p, q, v)
            case 4: (r, g, b) = (t, p, v)
            default: (r, g, b) = (v, p, q)
            }
            out[3 * i] = clampByte(r * 255)
            out[3 * i + 1] = clampByte(g * 255)
            out[3 * i + 2] = clampByte(b * 255)
        }
        self.init(width: width, height: height, channels: 3, pixels: out)
    }

    /// CIE L*a*b* (D65) values laid out `[H, W, 3]` (alpha dropped; gray counts as RGB).
    public func lab() -> [Float] {
        let source = rgb()
        var out = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let r = srgbToLinear(source.pixels[3 * i]), g = srgbToLinear(source.pixels[3 * i + 1])
            let b = srgbToLinear(source.pixels[3 * i + 2])
            let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / whiteX
            let y = (0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b) / whiteY
            let z = (0.019_333_9 * r + 0.119_192_0 * g + 0.950_304_1 * b) / whiteZ
            let fx = labF(x), fy = labF(y), fz = labF(z)
            out[3 * i] = 116 * fy - 16
            out[3 * i + 1] = 500 * (fx - fy)
            out[3 * i + 2] = 200 * (fy - fz)
        }
        return out
    }

    /// An RGB image from CIE L*a*b* (D65) values laid out `[H, W, 3]`.
    public init(lab values: [Float], width: Int, height: Int) {
        precondition(values.count == width * height * 3, "Image(lab:): need [H, W, 3] values")
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let fy = (values[3 * i] + 16) / 116
            let fx = fy + values[3 * i + 1] / 500, fz = fy - values[3 * i + 2] / 200
            let x = labFInverse(fx) * whiteX, y = labFInverse(fy) * whiteY, z = labFInverse(fz) * whiteZ
            let r = 3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z
            let g = -0.969_266_0 * x + 1.876_010_8 * y + 0.041_556_0 * z
            let b = 0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z
            out[3 * i] = clampByte(linearToSRGB(r) * 255)
            out[3 * i + 1] = clampByte(linearToSRGB(g) * 255)
            out[3 * i + 2] = clampByte(linearToSRGB(b) * 255)
        }
        self.init(width: width, height: height, channels: 3, pixels: out)
    }
}

private let whiteX: Float = 0.950_47, whiteY: Float = 1.0, whiteZ: Float = 1.088_83

/// The sRGB transfer function inverted, for each byte value (a table: powf per pixel is slow).
private let linearFromByte: [Float] = (0..<256).map { v in
    let c = Float(v) / 255
    return c <= 0.040_45 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
}

@inline(__always)
private func srgbToLinear(_ v: UInt8) -> Float { linearFromByte[Int(v)] }

private func linearToSRGB(_ c: Float) -> Float {
    c <= 0.003_130_8 ? 12.92 * c : 1.055 * powf(max(c, 0), 1 / 2.4) - 0.055
}

private func labF(_ t: Float) -> Float {
    t > 216.0 / 24389.0 ? cbrtf(t) : (24389.0 / 27.0 * t + 16) / 116
}

private func labFInverse(_ f: Float) -> Float {
    f * f * f > 216.0 / 24389.0 ? f * f * f : (116 * f - 16) / (24389.0 / 27.0)
}

/// Rounds and clamps to a byte.
@inline(__always)
func clampByte(_ v: Float) -> UInt8 {
    v <= 0 ? 0 : v >= 255 ? 255 : UInt8(v + 0.5)
}
