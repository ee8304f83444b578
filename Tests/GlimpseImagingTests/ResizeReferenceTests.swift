// The fast resize against its naive reference: the same bytes for every channel count and for
// enlarging, shrinking and mixed resizes, including 1-pixel sides.

import Testing
import GlimpseTensor
@testable import GlimpseImaging

struct ResizeReferenceTests {
    static func noise(width: Int, height: Int, channels: Int, seed: UInt64) -> Image {
        var random = SeededGenerator(seed: seed)
        let pixels = (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test(arguments: [1, 3, 4])
    func fastResizeGivesTheReferenceBytes(channels: Int) {
        let sizes = [(1, 1), (1, 7), (5, 3), (17, 11), (64, 48), (301, 227)]
        var seed: UInt64 = UInt64(channels)
        for (w, h) in sizes {
            let image = Self.noise(width: w, height: h, channels: channels, seed: seed)
            for (nw, nh) in [(1, 1), (224, 224), (w * 2 + 1, h), (max(w / 3, 1), h * 3), (7, 5), (w, max(h / 2, 1))] {
                let fast = image.resized(width: nw, height: nh)
                let reference = image.resizedReference(width: nw, height: nh)
                #expect(fast.width == nw && fast.height == nh && fast.channels == channels)
                #expect(fast.pixels == reference.pixels, "\(w)x\(h)x\(channels) -> \(nw)x\(nh)")
            }
            seed &+= 17
        }
    }
}
