// An output folder that cannot be made gives one line naming it and the cause (issue 19, item
// 11, its `-o` part): `-o` naming a file, or a folder under a file. (A non-writable `-o` cannot
// be tested here: the tests may run as root, which writes anywhere.)

import Foundation
import Testing

@Suite("Output folder errors", .serialized)
struct OutputFolderErrorTests {
    @Test(arguments: [("notes.txt", "notes.txt: create folder: File exists"), ("notes.txt/out", "notes.txt/out: create folder: Not a directory")])
    func anOutputFolderThatCannotBeMadeIsNamedWithTheCause(output: String, message: String) throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 1, in: work)
        try "mine\n".write(to: work.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let run = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", output], in: work)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("error: cannot write \(output.hasPrefix("/") ? "" : work.path + "/")") || run.stderr.contains("error: cannot write \(output)"),
                "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(!run.stderr.contains("Code="), "\(run.stderr)")
        #expect(try String(contentsOf: work.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine\n")
    }
}
