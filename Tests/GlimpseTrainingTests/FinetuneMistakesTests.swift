// `glimpse finetune` on folders that would train a useless or unintended model (issue 19, item 8):
// one class, an empty class folder, a --freeze prefix that matches nothing, a class name with a
// control character. Each is refused before any training, naming the cause, and no weights are written.

import Foundation
import GlimpseImaging
import Testing

@Suite("Fine-tuning refuses useless set-ups", .serialized)
struct FinetuneMistakesTests {
    /// `root/<class>/<k>.png` for each class with `counts[class]` tiny gray images.
    static func folder(_ counts: [(String, Int)]) throws -> String {
        let root = try temporaryDirectory().path + "/data"
        for (name, count) in counts {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
            for k in 0..<count {
                try ImageFile.write(Image(width: 28, height: 28, fill: [UInt8(40 * k)]), to: root + "/\(name)/\(k).png")
            }
        }
        return root
    }

    /// Runs `glimpse finetune` on `data` (plus `extra`); expects exit 1, every text of `mentions`
    /// on stderr, and no weights written.
    static func expectRefusal(_ data: String, _ extra: [String] = [], mentions: [String]) throws {
        let output = (data as NSString).deletingLastPathComponent + "/tuned.safetensors"
        let result = try runGlimpse(["finetune", "--data", data, "--epochs", "1", "--batch-size", "2",
                                     "--output", output, "--quiet", "--threads", "1"] + extra)
        #expect(result.status == 1, "status \(result.status), stderr: \(result.stderr)")
        for text in mentions {
            #expect(result.stderr.contains(text), "stderr lacks \"\(text)\": \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: output), "weights were written")
    }

    @Test func oneClassFolderIsAnError() throws {
        let data = try Self.folder([("cat", 3)])
        defer { try? FileManager.default.removeItem(atPath: (data as NSString).deletingLastPathComponent) }
        try Self.expectRefusal(data, mentions: [data, "one class", "\"cat\"", "at least two"])
    }

    @Test func anEmptyClassFolderIsAnErrorNamingIt() throws {
        let data = try Self.folder([("cat", 2), ("dog", 2), ("emu", 0)])
        defer { try? FileManager.default.removeItem(atPath: (data as NSString).deletingLastPathComponent) }
        try "not an image".write(toFile: data + "/emu/notes.txt", atomically: true, encoding: .utf8)
        try Self.expectRefusal(data, mentions: [data + "/emu", "no decodable image", "never be trained"])
    }

    @Test func freezePrefixesThatMatchNoParameterAreAnError() throws {
        let data = try Self.folder([("cat", 2), ("dog", 2)])
        defer { try? FileManager.default.removeItem(atPath: (data as NSString).deletingLastPathComponent) }
        try Self.expectRefusal(data, ["--freeze", "conv1,conv9"], mentions: ["conv9", "matches no parameter", "conv1", "fc2"])
    }

    @Test(arguments: ["two\nlines", "bell\u{07}", "tab\there"])
    func aClassNameWithAControlCharacterIsAnError(name: String) throws {
        let data = try Self.folder([("cat", 2), (name, 2)])
        defer { try? FileManager.default.removeItem(atPath: (data as NSString).deletingLastPathComponent) }
        try Self.expectRefusal(data, mentions: [name.debugDescription, "control character"])
    }
}
