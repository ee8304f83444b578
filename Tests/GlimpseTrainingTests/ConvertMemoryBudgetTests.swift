// `glimpse image convert --resize` refuses, before allocating, a resize whose memory exceeds the
// stated budget (issue 19, item 9): `--resize 46341x46341` was accepted and reached 8.66 GB, and
// `--resize 100000x100000` was refused as "not WIDTHxHEIGHT", the wrong reason.

import Foundation
import Testing

@Suite("Convert memory budget", .serialized)
struct ConvertMemoryBudgetTests {
    static let chelsea = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/samples/chelsea.png").standardized.path

    @Test(arguments: ["46341x46341", "100000x100000", "65535x65535", "1x9000000000"])
    func aResizeOverTheBudgetIsRefusedBeforeAllocating(size: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("huge.png")
        let start = Date()
        let result = try runGlimpse(["image", "convert", Self.chelsea, output.path, "--resize", size])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("over the memory budget of 1024 MiB (--memory-budget)"), "\(result.stderr)")
        #expect(result.stderr.contains(Self.chelsea), "names the input: \(result.stderr)")
        #expect(!result.stderr.contains("is not WIDTHxHEIGHT"), "the reason is memory, not the syntax: \(result.stderr)")
        #expect(Date().timeIntervalSince(start) < 20, "refused at once, not after allocating")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func theBudgetIsStatedAndCanBeRaisedOrLowered() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("big.png")
        // 2000x1500 RGB: 300 x 2000 x 3 x 4 bytes of rows + 9 MB of output, about 16 MiB
        let refused = try runGlimpse(["image", "convert", Self.chelsea, output.path, "--resize", "2000x1500", "--memory-budget", "8"])
        #expect(refused.status == 1 && refused.stderr.contains("needs about 16 MiB"), "\(refused.stderr)")
        let allowed = try runGlimpse(["image", "convert", Self.chelsea, output.path, "--resize", "2000x1500", "--memory-budget", "32"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let syntax = try runGlimpse(["image", "convert", Self.chelsea, output.path, "--resize", "0x5"])
        #expect(syntax.status == 2 && syntax.stderr.contains("is not WIDTHxHEIGHT"), "\(syntax.stderr)")
    }
}
