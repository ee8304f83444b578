// Helpers the proposal tests share: sample images and small synthetic scenes.

import Foundation
import GlimpseImaging
import GlimpseProposals

/// Paths to the committed sample images (not SwiftPM resources).
enum ProposalTestFiles {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("datasets/samples")

    /// A sample image reduced to at most `longSide` pixels on its long side.
    static func sample(_ name: String, longSide: Int) throws -> Image {
        let image = try ImageFile.read(samples.appendingPathComponent(name).path)
        let scale = Double(longSide) / Double(max(image.width, image.height))
        if scale >= 1 { return image }
        return image.resized(width: max(1, Int(Double(image.width) * scale)), height: max(1, Int(Double(image.height) * scale)))
    }
}

/// A scene of flat rectangles: returns the RGB image and each pixel's true region, `[H, W]`.
func flatScene() -> (image: Image, truth: [Int]) {
    let width = 48, height = 36
    // Background, then rectangles painted in order (later ones on top).
    let rectangles: [(x0: Int, y0: Int, x1: Int, y1: Int, colour: [UInt8])] = [
        (0, 0, width, height, [30, 30, 30]),
        (4, 4, 20, 18, [200, 40, 40]),
        (24, 2, 44, 16, [40, 200, 40]),
        (6, 22, 40, 33, [40, 40, 220]),
        (28, 24, 36, 30, [230, 230, 60]),
    ]
    var image = Image(width: width, height: height, fill: [0, 0, 0])
    var truth = [Int](repeating: 0, count: width * height)
    for (index, r) in rectangles.enumerated() {
        for y in r.y0..<r.y1 {
            for x in r.x0..<r.x1 {
                image.setPixel(x: x, y: y, r.colour)
                truth[y * width + x] = index
            }
        }
    }
    return (image, truth)
}

/// Whether two labelings split the pixels into the same groups (labels may be renumbered).
func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        if let m = forward[x], m != y { return false }
        if let m = backward[y], m != x { return false }
        forward[x] = y
        backward[y] = x
    }
    return true
}

/// Seeded noise image.
func noiseImage(width: Int, height: Int, seed: UInt64) -> Image {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in pixels.indices {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
    }
    return Image(width: width, height: height, channels: 3, pixels: pixels)
}
