// PixelDescriptors: the histogram bin every pixel falls in, for the colour and texture
// features of selective search (Uijlings et al. 2013, section 3.2).
//
// Colour: 25 bins per channel over [0, 255].
// Texture: Gaussian derivatives (sigma 1) in 8 orientations per channel; the paper takes
// them with sigma 1 and bins each orientation into 10 bins. The derivative along
// theta = 0, 45, 90, 135 degrees is cos(theta) Gx + sin(theta) Gy; its positive part is
// orientation theta and its negative part orientation theta + 180 (as OpenCV splits its
// derivative images). Each orientation's responses are scaled by their maximum over the
// image (as OpenCV normalises each derivative image) before binning.

/// Per-pixel colour and texture histogram bins for one colour-space image.
public struct PixelDescriptors: Sendable {
    /// Colour bins per channel.
    public static let colourBins = 25
    /// Texture orientations per channel.
    public static let orientations = 8
    /// Texture bins per orientation.
    public static let textureBins = 10

    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Channels of the colour space.
    public let channels: Int
    /// Colour bin of each pixel and channel, laid out `[H, W, C]`, values 0..<25.
    public let colour: [UInt8]
    /// Texture bin of each pixel, channel and orientation, laid out `[H, W, C, 8]`, values 0..<10.
    public let texture: [UInt8]

    /// Length of a region's colour histogram: 25 per channel.
    public var colourDimensions: Int { channels * PixelDescriptors.colourBins }
    /// Length of a region's texture histogram: 8 x 10 per channel.
    public var textureDimensions: Int { channels * PixelDescriptors.orientations * PixelDescriptors.textureBins }

    /// Bins of `planes`, laid out `[C, H, W]` with values in [0, 255].
    public init(planes: [Float], width: Int, height: Int, channels: Int) {
        let n = width * height
        precondition(planes.count == n * channels, "PixelDescriptors: planes are not [C, H, W]")
        self.width = width
        self.height = height
        self.channels = channels
        var colour = [UInt8](repeating: 0, count: n * channels)
        planes.withUnsafeBufferPointer { src in
            colour.withUnsafeMutableBufferPointer { out in
                for c in 0..<channels {
                    for i in 0..<n {
                        let bin = Int(src[c * n + i] * (Float(PixelDescriptors.colourBins) / 256))
                        out[i * channels + c] = UInt8(min(PixelDescriptors.colourBins - 1, max(0, bin)))
                    }
                }
            }
        }
        self.colour = colour
        let smoothed = GaussianSmoothing.smooth(planes, width: width, height: height, channels: channels, sigma: 1)
        var texture = [UInt8](repeating: 0, count: n * channels * 8)
        var gx = [Float](repeating: 0, count: n), gy = [Float](repeating: 0, count: n)
        let diagonal = Float(0.5).squareRoot()
        smoothed.withUnsafeBufferPointer { s in
            texture.withUnsafeMutableBufferPointer { out in
                gx.withUnsafeMutableBufferPointer { gx in
                    gy.withUnsafeMutableBufferPointer { gy in
                        for c in 0..<channels {
                            let plane = c * n
                            // Central differences (one-sided at the border) of the smoothed plane.
                            for y in 0..<height {
                                let up = max(0, y - 1), down = min(height - 1, y + 1)
                                let dy: Float = down - up == 2 ? 0.5 : 1
                                for x in 0..<width {
                                    let left = max(0, x - 1), right = min(width - 1, x + 1)
                                    let dx: Float = right - left == 2 ? 0.5 : 1
                                    let i = y * width + x
                                    gx[i] = right == left ? 0 : (s[plane + y * width + right] - s[plane + y * width + left]) * dx
                                    gy[i] = down == up ? 0 : (s[plane + down * width + x] - s[plane + up * width + x]) * dy
                                }
                            }
                            var maxima = [Float](repeating: 0, count: 8)
                            for i in 0..<n {
                                let d = (gx[i], (gx[i] + gy[i]) * diagonal, gy[i], (gy[i] - gx[i]) * diagonal)
                                maxima[0] = max(maxima[0], d.0); maxima[4] = max(maxima[4], -d.0)
                                maxima[1] = max(maxima[1], d.1); maxima[5] = max(maxima[5], -d.1)
                                maxima[2] = max(maxima[2], d.2); maxima[6] = max(maxima[6], -d.2)
                                maxima[3] = max(maxima[3], d.3); maxima[7] = max(maxima[7], -d.3)
                            }
                            let scale = maxima.map { $0 > 0 ? Float(PixelDescriptors.textureBins) / $0 : 0 }
                            let top = Float(PixelDescriptors.textureBins - 1)
                            for i in 0..<n {
                                let d = (gx[i], (gx[i] + gy[i]) * diagonal, gy[i], (gy[i] - gx[i]) * diagonal)
                                let base = (i * channels + c) * 8
                                out[base + 0] = UInt8(min(top, max(0, d.0 * scale[0])))
                                out[base + 1] = UInt8(min(top, max(0, d.1 * scale[1])))
                                out[base + 2] = UInt8(min(top, max(0, d.2 * scale[2])))
                                out[base + 3] = UInt8(min(top, max(0, d.3 * scale[3])))
                                out[base + 4] = UInt8(min(top, max(0, -d.0 * scale[4])))
                                out[base + 5] = UInt8(min(top, max(0, -d.1 * scale[5])))
                                out[base + 6] = UInt8(min(top, max(0, -d.2 * scale[6])))
                                out[base + 7] = UInt8(min(top, max(0, -d.3 * scale[7])))
                            }
                        }
                    }
                }
            }
        }
        self.texture = texture
    }
}
