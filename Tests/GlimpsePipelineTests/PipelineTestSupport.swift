// Shared by the pipeline tests: temporary folders, synthetic images of every kind the decoder
// reads, a mixed input tree (nested folders, a symlink loop, non-images, broken images), and
// running the built `glimpse` binary.

import Foundation
import GlimpseTestSupport
import GlimpseImaging

enum PipelineFixtures {
    /// The project root (for Pipelines/ and datasets/).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    /// A fresh empty folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A deterministic image: gradients plus a bright square, so stages have something to find.
    static func image(width: Int, height: Int, channels: Int, seed: Int) -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let inSquare = x >= width / 4 && x < width / 2 && y >= height / 4 && y < height / 2
                for c in 0..<channels {
                    let base = (x * 7 + y * 3 + c * 50 + seed * 31) % 160
                    pixels[(y * width + x) * channels + c] = c == 3 ? 255 : UInt8(inSquare ? 240 : base)
                }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// What `mixedTree` made, relative to its folder.
    struct MixedTree {
        let folder: URL
        /// Images that decode.
        let good: [String]
        /// Images that must fail (with a word their error must contain).
        let broken: [(path: String, reason: String)]
        /// Files that are not images.
        let notImages: [String]
    }

    /// A folder with good PNGs (gray, RGB, RGBA) and JPEGs (baseline RGB, gray, progressive),
    /// nested folders, a symlink loop, non-image files and broken images. `tooLarge` is a good
    /// image bigger than 20,000 pixels, for a pipeline whose pixel budget refuses it.
    static func mixedTree() throws -> MixedTree {
        let folder = try temporaryFolder().appendingPathComponent("photos")
        let png = { (c: Int, s: Int) in try PNG.encode(image(width: 40, height: 30, channels: c, seed: s)) }
        try write(png(3, 1), to: folder.appendingPathComponent("rgb.png"))
        try write(png(1, 2), to: folder.appendingPathComponent("2024/gray.png"))
        try write(png(4, 3), to: folder.appendingPathComponent("2024/deep/rgba.png"))
        try write(JPEG.encode(image(width: 48, height: 32, channels: 3, seed: 4)), to: folder.appendingPathComponent("2024/a.jpg"))
        try write(JPEG.encode(image(width: 32, height: 32, channels: 1, seed: 5)), to: folder.appendingPathComponent("gray.jpeg"))
        try write(JPEG.encode(image(width: 40, height: 24, channels: 3, seed: 6), progressive: true),
                  to: folder.appendingPathComponent("2025/progressive.JPG"))
        // a PNG named .jpg: told by content
        try write(png(3, 7), to: folder.appendingPathComponent("2025/misnamed.jpg"))
        // same stem as 2024/a.jpg in the same folder: must not collide
        try write(png(3, 8), to: folder.appendingPathComponent("2024/a.png"))
        try write(PNG.encode(image(width: 200, height: 150, channels: 3, seed: 9)), to: folder.appendingPathComponent("big.png"))

        let truncated = try PNG.encode(image(width: 40, height: 30, channels: 3, seed: 10))
        try write(Array(truncated[0..<(truncated.count / 2)]), to: folder.appendingPathComponent("broken/truncated.png"))
        let jpeg = try JPEG.encode(image(width: 48, height: 32, channels: 3, seed: 11))
        try write(Array(jpeg[0..<(jpeg.count / 2)]), to: folder.appendingPathComponent("broken/truncated.jpg"))
        try write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 40),
                  to: folder.appendingPathComponent("broken/garbage.png"))

        try write(Array("not an image\n".utf8), to: folder.appendingPathComponent("notes.txt"))
        try write(Array("{\"a\": 1}".utf8), to: folder.appendingPathComponent("2024/meta.json"))
        try write([], to: folder.appendingPathComponent("empty.png"))

        // a loop back to the top folder, and a second route to a folder already visited
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("2024/deep/loop").path,
                                                   withDestinationPath: "../..")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("again").path,
                                                   withDestinationPath: "2025")
        return MixedTree(
            folder: folder,
            good: ["2024/a.jpg", "2024/a.png", "2024/deep/rgba.png", "2024/gray.png", "2025/misnamed.jpg",
                   "2025/progressive.JPG", "gray.jpeg", "rgb.png"],
            broken: [("big.png", "too large"), ("broken/garbage.png", "corrupt"), ("broken/truncated.jpg", "truncated"),
                     ("broken/truncated.png", "truncated"), ("empty.png", "no bytes")],
            notImages: ["2024/meta.json", "notes.txt"])
    }

    /// The `glimpse` executable built beside the test bundle.
    static func glimpseExecutable() throws -> URL { try GlimpseProcess.executable() }

    /// Runs `glimpse ARGUMENTS` to completion in `directory`.
    static func glimpse(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let run = try GlimpseProcess.run(arguments, in: directory)
        return (run.status, run.stdout, run.stderr)
    }

    /// Every regular file under `folder` (relative paths) with its bytes, symlinks not followed.
    static func files(under folder: URL, excluding: Set<String> = []) throws -> [String: Data] {
        var files = [String: Data]()
        let base = folder.resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [:] }
        while let relative = enumerator.nextObject() as? String {
            let full = base + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
               !excluding.contains(relative) {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: full))
            }
        }
        return files
    }

    /// The ledger's lines as dictionaries.
    static func ledger(_ folder: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: folder.appendingPathComponent("ledger.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }
}
