// Control characters in file names and pipeline-file keys reach the terminal escaped (issue 19,
// item 12): a crafted name cannot retitle or clear the terminal through `glimpse run`'s messages.

import Foundation
import Testing

@Suite("Terminal escapes in messages", .serialized)
struct TerminalEscapeTests {
    @Test func controlCharactersInANameAreEscapedOnStandardError() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 1, in: work)
        let name = "evil\u{1B}]0;owned\u{07}\u{9B}2J.png"
        try PipelineFixtures.write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 40),
                                   to: work.appendingPathComponent("many/" + name))
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out"], in: work)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(!run.stderr.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{9B}" }, "raw control characters on stderr")
        #expect(run.stderr.contains("evil\\u{1B}]0;owned\\u{07}\\u{9B}2J.png"), "\(run.stderr)")
    }

    @Test func controlCharactersInAPipelineKeyAreEscapedOnStandardError() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try "stages:\n  \"cl\\e[2Jx\": {use: squeezenet}\n".write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let run = try PipelineFixtures.glimpse(["run", "p.yaml", "x", "-o", "out"], in: work)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(!run.stderr.unicodeScalars.contains("\u{1B}"), "raw ESC on stderr")
        #expect(run.stderr.contains("cl\\u{1B}[2Jx"), "\(run.stderr)")
    }

    /// ArgumentParser's own messages quote the arguments (an unknown option, a bad value) and
    /// errors thrown from a command's `run` were printed by ArgumentParser unescaped.
    @Test(arguments: [
        ["image", "info", "x.png", "--evil\u{1B}]0;owned\u{07}"],
        ["run", "--jobs", "x\u{1B}[2J"],
        ["image", "convert", "no\u{1B}[2Jsuch.png", "out.png"],
        ["evil\u{1B}[2J"],
    ])
    func argumentParserMessagesAreEscaped(arguments: [String]) throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let run = try PipelineFixtures.glimpse(arguments, in: work)
        #expect(run.status != 0)
        #expect(!run.stderr.isEmpty)
        #expect(!run.stderr.unicodeScalars.contains("\u{1B}") && !run.stderr.unicodeScalars.contains("\u{07}"),
                "raw control characters on stderr: \(run.stderr.debugDescription)")
        #expect(run.stderr.contains("\\u{1B}"), "\(run.stderr)")
    }
}
