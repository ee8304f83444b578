// Paths to the committed fixtures and samples, and small helpers the imaging tests share.

import Foundation
@testable import GlimpseImaging

/// Test files, found from this source file's location (not SwiftPM resources).
enum TestFiles {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsFolder.appendingPathComponent("Fixtures")
    static let samples = testsFolder.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("datasets/samples")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
    static func sample(_ name: String) -> String { samples.appendingPathComponent(name).path }
    static func bytes(_ path: String) throws -> [UInt8] { try ImageFile.bytes(of: path) }

    /// A fresh empty directory for files a test writes.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "glimpse-imaging-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// FNV-1a 64 of bytes (the hash make_fixtures.sh records for djpeg's output).
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01b3 }
    return value
}

/// Runs `body` expecting an ImagingError and returns its kind (nil when nothing was thrown).
func errorKind(_ body: () throws -> Void) -> ImagingError.Kind? {
    do { try body() } catch let error as ImagingError { return error.kind } catch { return nil }
    return nil
}

/// A deterministic test image with varied pixels.
func patternImage(width: Int, height: Int, channels: Int) -> Image {
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                pixels[(y * width + x) * channels + c] = UInt8((x * 7 + y * 13 + c * 71) % 256)
            }
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}
