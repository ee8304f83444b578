// SceneBackgrounds: the backgrounds of generated scenes, a random crop of a real texture photo
// (brick, grass, gravel from `datasets/textures`), scaled, tinted and brightness-jittered, or a
// plain colour with a little noise.

import GlimpseImaging
import GlimpseTensor

/// What a scene's background is, as captions name it.
public enum SceneBackgroundKind: Sendable, Equatable {
    /// A texture photo: "brick", "grass" or "gravel".
    case texture(String)
    /// A plain colour.
    case plain(PlainBackgroundColor)

    /// The name stored in the files: "brick", "grass", "gravel", "plain grey", ...
    public var name: String {
        switch self {
        case let .texture(t): return t
        case let .plain(c): return "plain " + c.rawValue
        }
    }
}

/// The texture photos, loaded once, and the background renderer.
public struct SceneBackgrounds: Sendable {
    /// The texture names, in the order they are drawn from.
    public static let textureNames = ["brick", "grass", "gravel"]
    /// Grey texture photos by name, `[H, W, 1]`.
    public let textures: [String: Image]

    /// Loads `brick.png`, `grass.png` and `gravel.png` from `directory` (converted to grey).
    public init(directory: String) throws(DatasetError) {
        var textures = [String: Image]()
        for name in Self.textureNames {
            let image = try DatasetImages.read(directory + "/" + name + ".png")
            textures[name] = image.channels == 1 ? image : image.grayscale()
        }
        self.textures = textures
    }

    /// A `size` x `size` RGB background: with probability 3/4 a texture, cropped at a random
    /// place with a random side in [size, 2 size] (capped by the photo), scaled to `size`,
    /// multiplied per channel by a tint in [0.55, 1] and by a brightness in [0.7, 1.2];
    /// otherwise a plain colour with +-6 uniform noise per pixel.
    public func render(size: Int, using generator: inout SeededGenerator) -> (Image, SceneBackgroundKind) {
        if generator.nextUniform() < 0.25 {
            let color = PlainBackgroundColor.allCases[Int(generator.next() % UInt64(PlainBackgroundColor.allCases.count))]
            var pixels = [UInt8](repeating: 0, count: size * size * 3)
            for i in 0..<(size * size) {
                for c in 0..<3 {
                    let noise = Int(generator.next() % 13) - 6
                    pixels[i * 3 + c] = UInt8(clamping: Int(color.rgb[c]) + noise)
                }
            }
            return (Image(width: size, height: size, channels: 3, pixels: pixels), .plain(color))
        }
        let name = Self.textureNames[Int(generator.next() % UInt64(Self.textureNames.count))]
        let texture = textures[name]!
        let maxSide = min(2 * size, texture.width, texture.height)
        let side = maxSide <= size ? maxSide : size + Int(generator.next() % UInt64(maxSide - size + 1))
        let x0 = Int(generator.next() % UInt64(texture.width - side + 1))
        let y0 = Int(generator.next() % UInt64(texture.height - side + 1))
        var crop = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side { crop[y * side + x] = texture.pixels[(y0 + y) * texture.width + x0 + x] }
        }
        let scaled = side == size ? Image(width: side, height: side, channels: 1, pixels: crop)
            : Image(width: side, height: side, channels: 1, pixels: crop).resized(width: size, height: size)
        let brightness = 0.7 + 0.5 * generator.nextUniform()
        let tint = (0..<3).map { _ in (0.55 + 0.45 * generator.nextUniform()) * brightness }
        var pixels = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<(size * size) {
            let v = Float(scaled.pixels[i])
            for c in 0..<3 { pixels[i * 3 + c] = UInt8(clamping: Int((v * tint[c]).rounded())) }
        }
        return (Image(width: size, height: size, channels: 3, pixels: pixels), .texture(name))
    }
}
