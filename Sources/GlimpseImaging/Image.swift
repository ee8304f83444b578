// Image: an 8-bit image with 1 (gray), 3 (RGB) or 4 (RGBA) interleaved channels.
//
// The storage layout is row-major, pixels interleaved: `[H, W, C]`, the layout both libpng
// and libjpeg produce, so decoding needs no shuffling. Compute happens on tensors (NCHW
// Float32, see Image+Tensor.swift); this type is what files and previews are made of.

/// An 8-bit image, `pixels` laid out `[H, W, C]` with C = 1, 3 or 4.
public struct Image: Sendable, Equatable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// Channels per pixel: 1 gray, 3 RGB, 4 RGBA.
    public let channels: Int
    /// Pixel bytes, `[H, W, C]` row-major; `pixels.count == height * width * channels`.
    public var pixels: [UInt8] {
        didSet { precondition(pixels.count == width * height * channels, "Image: storage size changed") }
    }

    /// Creates an image from interleaved bytes laid out `[H, W, C]`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "Image: negative size \(width)x\(height)")
        precondition([1, 3, 4].contains(channels), "Image: \(channels) channels (must be 1, 3 or 4)")
        precondition(pixels.count == width * height * channels,
                     "Image: \(pixels.count) bytes do not fill \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Creates an image whose every pixel is `fill` (one value per channel).
    public init(width: Int, height: Int, fill: [UInt8]) {
        var pixels = [UInt8](repeating: 0, count: width * height * fill.count)
        if fill.contains(where: { $0 != 0 }) {
            for i in 0..<(width * height) {
                for c in 0..<fill.count { pixels[i * fill.count + c] = fill[c] }
            }
        }
        self.init(width: width, height: height, channels: fill.count, pixels: pixels)
    }

    /// The value of channel `c` at column `x`, row `y`.
    @inlinable
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The pixel at column `x`, row `y`, one value per channel.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        let start = (y * width + x) * channels
        return Array(pixels[start..<(start + channels)])
    }

    /// Writes a whole pixel (one value per channel).
    public mutating func setPixel(x: Int, y: Int, _ value: [UInt8]) {
        precondition(value.count == channels, "setPixel: \(value.count) values for \(channels) channels")
        let start = (y * width + x) * channels
        for c in 0..<channels { pixels[start + c] = value[c] }
    }
}
