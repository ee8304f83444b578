// `glimpse image info`, `glimpse image convert` and `glimpse augment` on real and broken files.

import Foundation
import Testing

@Suite("Image commands", .serialized)
struct ImageCommandTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/samples").standardized

    @Test func infoDescribesEachFileAndFailsOnABadOne() throws {
        let chelsea = Self.samples.appendingPathComponent("chelsea.png").path
        let photo = Self.samples.appendingPathComponent("2011_000003.jpg").path
        let ok = try runGlimpse(["image", "info", chelsea, photo])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("\(chelsea): PNG 451x300, 3 channels (RGB), 8-bit"))
        #expect(ok.stdout.contains("\(photo): JPEG 500x338"))

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.png")
        try Data("not an image".utf8).write(to: text)
        let truncated = directory.appendingPathComponent("cut.jpg")
        try Data(try Data(contentsOf: URL(fileURLWithPath: photo)).prefix(3000)).write(to: truncated)
        let bad = try runGlimpse(["image", "info", chelsea, text.path, truncated.path])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains(chelsea), "the good file is still described")
        #expect(bad.stderr.contains(text.path) && bad.stderr.contains(truncated.path), "\(bad.stderr)")
        #expect(!bad.stderr.contains("Fatal error"))
    }

    @Test func convertResizesAndWritesTheFormatOfTheExtension() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("small.jpg")
        let result = try runGlimpse(["image", "convert", Self.samples.appendingPathComponent("chelsea.png").path,
                                     output.path, "--resize", "100x80"])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try runGlimpse(["image", "info", output.path])
        #expect(info.stdout.contains("JPEG 100x80, 3 channels"), "\(info.stdout)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["small.jpg"], "no temporary files left: \(leftovers)")
    }

    @Test func augmentIsDeterministicForASeed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = Self.samples.appendingPathComponent("2011_000003.jpg").path
        let mask = Self.samples.appendingPathComponent("2011_000003-mask.png").path
        var outputs = [Data]()
        for (index, seed) in ["7", "7", "8"].enumerated() {
            let output = directory.appendingPathComponent("out\(index).png")
            let result = try runGlimpse(["augment", input, output.path, "--ops", "crop:0.7,flip,rotate:10,brightness:0.2",
                                         "--seed", seed, "--labels", mask])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try Data(contentsOf: output))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] != outputs[2])
        let unknown = try runGlimpse(["augment", input, directory.appendingPathComponent("x.png").path, "--ops", "twirl"])
        #expect(unknown.status != 0 && unknown.stderr.contains("twirl"), "\(unknown.stderr)")
    }
}
