// A folder of class subfolders as a classification set: class order, content sniffing, broken
// files listed (not fatal), the class interleaving, and the errors for unusable folders.

import Foundation
import GlimpseDatasets
import GlimpseImaging
import GlimpseTensor
import Testing

@Suite("Image folder data set")
struct ImageFolderDatasetTests {
    static let gray28 = ImagePreprocessing(inputSize: 28, channelOrder: "gray", mean: [0], std: [1], scale: 1 / 255)

    /// DIR/zebra/{a,b,c}.png, DIR/ant/{x.png, nested/y.jpg, notes.txt, broken.png}, DIR/.hidden/z.png, DIR/readme.txt
    static func makeFolder() throws -> String {
        let root = NSTemporaryDirectory() + "glimpse-folder-\(UUID().uuidString)"
        let manager = FileManager.default
        for folder in ["zebra", "ant/nested", ".hidden"] {
            try manager.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        func image(_ value: UInt8) -> Image { Image(width: 28, height: 28, fill: [value]) }
        try ImageFile.write(image(10), to: root + "/zebra/a.png")
        try ImageFile.write(image(20), to: root + "/zebra/b.png")
        try ImageFile.write(image(30), to: root + "/zebra/c.png")
        try ImageFile.write(image(200), to: root + "/ant/x.png")
        try ImageFile.write(Image(width: 56, height: 56, fill: [100, 100, 100]), to: root + "/ant/nested/y.jpg", quality: 100)
        try "not an image".write(toFile: root + "/ant/notes.txt", atomically: true, encoding: .utf8)
        let png = try ImageFile.bytes(of: root + "/zebra/a.png")
        try Data(png.prefix(png.count / 2)).write(to: URL(fileURLWithPath: root + "/ant/broken.png"))
        try ImageFile.write(image(0), to: root + "/.hidden/z.png")
        try "top-level file".write(toFile: root + "/readme.txt", atomically: true, encoding: .utf8)
        return root
    }

    @Test func readsClassesInSortedOrderAndInterleavesThem() throws {
        let root = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let set = try ImageFolderDataset(directory: root, preprocessing: Self.gray28)
        #expect(set.classNames == ["ant", "zebra"])
        #expect(set.count == 5)
        #expect(set.sampleShape == [1, 28, 28])
        // round-robin: ant's first, zebra's first, ant's second, zebra's second, zebra's third
        #expect(set.files == ["ant/nested/y.jpg", "zebra/a.png", "ant/x.png", "zebra/b.png", "zebra/c.png"])
        #expect(set.labels == [0, 1, 0, 1, 1])
        #expect(set.skipped == ["ant/notes.txt"])
        #expect(set.failures.count == 1)
        #expect(set.failures.first?.path == root + "/ant/broken.png")
        #expect(set.failures.first?.problem.contains("truncated") == true, "\(set.failures)")
    }

    @Test func batchesAreThePreprocessedPixels() throws {
        let root = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let set = try ImageFolderDataset(directory: root, preprocessing: Self.gray28)
        let (images, labels) = set.batch([1, 2, 0])
        #expect(images.shape == [3, 1, 28, 28])
        #expect(labels == [1, 0, 0])
        let scale: Float = 1.0 / 255.0
        #expect(images.scalars[0] == Float(10) * scale)           // zebra/a.png
        #expect(images.scalars[784] == Float(200) * scale)        // ant/x.png
        #expect(abs(images.scalars[2 * 784] - Float(100) * scale) < 2 * scale)  // the JPEG, halved in size
        let held = set.split(validation: 2)
        #expect(held.training.count == 3 && held.validation.files == ["zebra/b.png", "zebra/c.png"])
    }

    @Test func aTestFolderUsesTheTrainingClasses() throws {
        let root = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let aligned = try ImageFolderDataset(directory: root, preprocessing: Self.gray28, classNames: ["ant", "bee", "zebra"])
        #expect(aligned.labels == [0, 2, 0, 2, 2])
        #expect(throws: ImageFolderError.self) {
            try ImageFolderDataset(directory: root, preprocessing: Self.gray28, classNames: ["zebra"])
        }
    }

    @Test func unusableFoldersAreRefusedNamingThePath() throws {
        let root = NSTemporaryDirectory() + "glimpse-flat-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try ImageFile.write(Image(width: 4, height: 4, fill: [1]), to: root + "/flat.png")
        do {
            _ = try ImageFolderDataset(directory: root, preprocessing: Self.gray28)
            Issue.record("a folder without class subfolders was accepted")
        } catch {
            #expect(error.path == root && error.problem.contains("no class subfolders"))
        }
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/empty2", withIntermediateDirectories: true)
        do {
            _ = try ImageFolderDataset(directory: root, preprocessing: Self.gray28)
            Issue.record("a folder without images was accepted")
        } catch {
            #expect(error.problem.contains("no decodable"))
        }
        do {
            _ = try ImageFolderDataset(directory: root + "/missing", preprocessing: Self.gray28)
            Issue.record("a missing folder was accepted")
        } catch {
            #expect(error.path == root + "/missing" && error.problem == "no such folder")
        }
        try ImageFile.write(Image(width: 4, height: 4, fill: [1]), to: root + "/empty/one.png")
        #expect(throws: ImageFolderError.self) {
            try ImageFolderDataset(directory: root, preprocessing: Self.gray28, maxBytes: 100)
        }
    }
}
