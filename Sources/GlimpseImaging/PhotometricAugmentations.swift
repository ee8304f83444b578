// PhotometricAugmentations: brightness and contrast jitter. They change pixel values only,
// so boxes and label maps pass through untouched; alpha is left alone.

import GlimpseTensor

/// Adds a uniform offset in [-maxDelta, maxDelta] x 255 to every colour channel.
public struct Brightness: Augmentation {
    /// The largest change, as a fraction of full scale.
    public var maxDelta: Float
    /// "brightness".
    public var name: String { "brightness" }
    /// Creates the jitter.
    public init(maxDelta: Float = 0.2) { self.maxDelta = maxDelta }

    /// The sample with brighter or darker pixels.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        let delta = generator.uniform(-maxDelta, maxDelta) * 255
        var out = sample
        out.image = sample.image.mapColorChannels { $0 + delta }
        return out
    }
}

/// Scales each colour value's distance from the image's mean gray by a uniform factor in
/// [1 - amount, 1 + amount].
public struct Contrast: Augmentation {
    /// The largest relative change.
    public var amount: Float
    /// "contrast".
    public var name: String { "contrast" }
    /// Creates the jitter.
    public init(amount: Float = 0.3) { self.amount = amount }

    /// The sample with more or less contrast.
    public func apply(_ sample: AnnotatedImage, using generator: inout SeededGenerator) -> AnnotatedImage {
        let factor = generator.uniform(1 - amount, 1 + amount)
        let gray = sample.image.grayscale().pixels
        let mean = Float(gray.reduce(0) { $0 + Int($1) }) / Float(max(gray.count, 1))
        var out = sample
        out.image = sample.image.mapColorChannels { mean + ($0 - mean) * factor }
        return out
    }
}

extension Image {
    /// Applies `body` to every colour value (not alpha), rounding and clamping the result.
    func mapColorChannels(_ body: (Float) -> Float) -> Image {
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 { table[v] = clampByte(body(Float(v))) }
        var out = self
        let colorChannels = channels == 4 ? 3 : channels
        out.pixels.withUnsafeMutableBufferPointer { px in
            for i in 0..<(width * height) {
                for c in 0..<colorChannels { px[i * channels + c] = table[Int(px[i * channels + c])] }
            }
        }
        return out
    }
}
