// `--resume` removes only the temporaries its own atomic writes leave behind (issue 19, item 3):
// a user's dot-files and folders whose names merely contain `.tmp-` stay.

import Foundation
@testable import GlimpseFiles
import GlimpsePipeline
import Testing

@Suite("Resume leaves the user's files alone", .serialized)
struct ResumeTemporariesTests {
    @Test func resumeRemovesOnlyTheAtomicWritersTemporaries() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 4, in: work)
        let first = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--quiet"], in: work)
        #expect(first.status == 0, "\(first.stderr)")

        let out = work.appendingPathComponent("out")
        let userFiles = [".vimrc.tmp-x", ".build.tmp-cache/keep.txt", "many/.notes.tmp-1", "many/0/.a.json.tmp-1-ff"]
        for name in userFiles { try PipelineFixtures.write(Array("mine\n".utf8), to: out.appendingPathComponent(name)) }
        // what a killed atomic write leaves: the writer's own name for the temporary of a real
        // output, made by a process that has exited
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let ownName = AtomicFile.temporaryURL(for: out.appendingPathComponent("many/0/0/i0.json")).lastPathComponent
        let stale = out.appendingPathComponent("many/0/0/" + ownName.replacingOccurrences(of: ".tmp-\(getpid())-", with: ".tmp-\(finished.processIdentifier)-"))
        try PipelineFixtures.write(Array("{".utf8), to: stale)
        // a live writer's temporary (this test process plays the writer) is not stale
        let live = AtomicFile.temporaryURL(for: out.appendingPathComponent("many/0/0/i0.preview.png"))
        try PipelineFixtures.write(Array("{".utf8), to: live)
        // a folder that happens to carry the writer's pattern is still the user's
        let folderLikeTemporary = AtomicFile.temporaryURL(for: out.appendingPathComponent("many/folder"))
        try PipelineFixtures.write(Array("mine\n".utf8), to: folderLikeTemporary.appendingPathComponent("inside.txt"))

        let resumed = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "out", "--resume", "--quiet"], in: work)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        for name in userFiles {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) was deleted")
        }
        #expect(FileManager.default.fileExists(atPath: folderLikeTemporary.appendingPathComponent("inside.txt").path), "a folder was deleted")
        #expect(!FileManager.default.fileExists(atPath: stale.path), "the stale temporary \(stale.lastPathComponent) is still there")
        #expect(FileManager.default.fileExists(atPath: live.path), "a live writer's temporary was deleted")
    }
}
