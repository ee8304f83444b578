// `glimpse classify` on the real sample photos, through the project's own decoding, resizing
// and the shipped SqueezeNet 1.1 ImageNet weights.

import GlimpseModels
import Foundation
import Testing

@Suite("Classify command", .serialized)
struct ClassifyCommandTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/samples").standardized

    @Test func catAndEspresso() throws {
        let chelsea = Self.samples.appendingPathComponent("chelsea.png").path
        let coffee = Self.samples.appendingPathComponent("coffee.png").path
        let result = try runGlimpse(["classify", chelsea, coffee, "--top", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // "path:", then the top 3 as "  probability  name", per image
        #expect(lines.count == 8, "\(result.stdout)")
        #expect(lines[1].hasSuffix("Egyptian cat"), "\(result.stdout)")
        #expect(lines[5].hasSuffix("espresso"), "\(result.stdout)")
        let espresso = Double(lines[5].split(separator: " ")[0]) ?? 0
        #expect(espresso > 0.99)
    }

    @Test func aBadFileIsReportedAndTheRestClassified() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]).write(to: broken)
        let coffee = Self.samples.appendingPathComponent("coffee.png").path
        let result = try runGlimpse(["classify", broken.path, coffee])
        #expect(result.status == 1)
        #expect(result.stderr.contains(broken.path), "\(result.stderr)")
        #expect(result.stdout.contains("espresso"), "\(result.stdout)")
    }
}
