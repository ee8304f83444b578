// report.html in a real browser: headless Chromium (Debian's `chromium` package) takes a
// screenshot, and the test finds the thumbnails' colour and the failure table's background in
// it. Skipped on a machine without chromium; a failure there when tools are required
// (GLIMPSE_REQUIRE_TOOLS=1 from scripts/test.sh, or CI).

import Foundation
import GlimpseImaging
import GlimpsePipeline
import GlimpseTestSupport
import Testing

@Suite("Report in a browser")
struct ReportBrowserTests {
    @Test(.enabled(if: ExternalTool.chromium.testsRun, Comment(rawValue: ExternalTool.chromium.skipReason)))
    func screenshotShowsTheImagesAndTheFailures() throws {
        let chromium = try ExternalTool.chromium.require()
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let photos = work.appendingPathComponent("photos")
        let green = Image(width: 80, height: 60, fill: [0, 200, 0])
        for index in 0..<3 {
            try PipelineFixtures.write(PNG.encode(green), to: photos.appendingPathComponent("green\(index).png"))
        }
        try PipelineFixtures.write([0xFF, 0xD8, 0xFF, 0xE0, 0, 0], to: photos.appendingPathComponent("broken.jpg"))
        let out = work.appendingPathComponent("out")
        let file = try PipelineFile.parse("stages:\n  decoder: image-file\n", file: "p.yaml", registry: .standard) { _ in nil }
        let pipeline = try Pipeline(file)
        let items = InputScanner.scan([photos.path]) { pipeline.decoder.recognises($0) }
        let summary = try BatchRunner(pipeline: pipeline, items: items, options: BatchOptions(output: out, jobs: 2, resume: false)).run()
        #expect(summary.ok == 3 && summary.failed == 1)

        let screenshot = work.appendingPathComponent("shot.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,700",
                             "--screenshot=\(screenshot.path)", out.appendingPathComponent("report.html").absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let shot = try ImageFile.read(screenshot.path)
        var greenPixels = 0, failureRowPixels = 0
        for y in 0..<shot.height {
            for x in 0..<shot.width {
                let r = Int(shot[x, y, 0]), g = Int(shot[x, y, 1]), b = Int(shot[x, y, 2])
                if r < 40 && g > 170 && b < 40 { greenPixels += 1 }
                if r > 245 && abs(g - 208) < 8 && abs(b - 208) < 8 { failureRowPixels += 1 }
            }
        }
        // three 80x60 thumbnails, less what the labels and JPEG edges take
        #expect(greenPixels > 3 * 80 * 60 * 8 / 10, "\(greenPixels) green pixels")
        #expect(failureRowPixels > 500, "\(failureRowPixels) pixels of the failure table")
    }
}
