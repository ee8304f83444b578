// Inputs: files, folders and list files, in a fixed order, with unique mirrored stems.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import Testing

@Suite("Input scanner")
struct InputScannerTests {
    @Test func listFilesFoldersAndFilesKeepTheirOrderAndMirror() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let list = work.appendingPathComponent("inputs.list")
        try "# chosen files\nphotos/rgb.png\n\nphotos/2025\nphotos/missing.png\n".write(to: list, atomically: true, encoding: .utf8)
        let items = InputScanner.scan(["@" + list.path, tree.folder.appendingPathComponent("gray.jpeg").path]) {
            ImageFormat.detect($0) != nil
        }
        #expect(items.map(\.stem) == ["photos/rgb", "photos/2025/misnamed", "photos/2025/progressive", "photos/missing.png", "gray"])
        #expect(items.map(\.kind) == [.image, .image, .image, .unreadable("no such file (listed in \(list.path))"), .image])
    }

    @Test func aLoopAndASecondRouteAreVisitedOnce() throws {
        let tree = try PipelineFixtures.mixedTree()
        defer { try? FileManager.default.removeItem(at: tree.folder.deletingLastPathComponent()) }
        let items = InputScanner.scan([tree.folder.path]) { ImageFormat.detect($0) != nil }
        let relative = items.map { String($0.path.dropFirst(tree.folder.path.count + 1)) }
        #expect(relative == (tree.good + tree.broken.map(\.path) + tree.notImages).sorted { $0.split(separator: "/").lexicographicallyPrecedes($1.split(separator: "/")) },
                "\(relative)")
        #expect(Set(items.map(\.stem)).count == items.count)
    }

    @Test func theOutputFolderIsNeverAnInput() throws {
        let tree = try PipelineFixtures.mixedTree()
        defer { try? FileManager.default.removeItem(at: tree.folder.deletingLastPathComponent()) }
        let out = tree.folder.appendingPathComponent("out")
        try PipelineFixtures.write(PNG.encode(PipelineFixtures.image(width: 8, height: 8, channels: 3, seed: 1)),
                                   to: out.appendingPathComponent("photos/rgb.preview.png"))
        let all = InputScanner.scan([tree.folder.path]) { ImageFormat.detect($0) != nil }
        let withoutOutput = InputScanner.scan([tree.folder.path], excluding: out.path) { ImageFormat.detect($0) != nil }
        #expect(all.count == withoutOutput.count + 1)
        #expect(!withoutOutput.contains { $0.path.contains("/out/") })
    }
}
