// `glimpse augment --labels` with a label map of another size than the image (issue 19, item
// 11): the error was thrown as a usage error from `run`, so ArgumentParser printed the top-level
// usage of `glimpse` under it. Now one line naming both files and sizes, exit status 1.

import Foundation
import Testing

@Suite("Augment label-map mismatch", .serialized)
struct AugmentLabelsMismatchTests {
    @Test func aLabelMapOfAnotherSizeIsOneLineNamingBothFiles() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../datasets/samples").standardized
        let image = samples.appendingPathComponent("chelsea.png").path
        let mask = samples.appendingPathComponent("2011_000003-mask.png").path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.png")
        let result = try runGlimpse(["augment", image, output.path, "--ops", "flip", "--labels", mask])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("error: \(mask): the label map is 500x338 but the image \(image) is 451x300"), "\(result.stderr)")
        #expect(!result.stderr.contains("USAGE") && !result.stderr.contains("Usage:"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
