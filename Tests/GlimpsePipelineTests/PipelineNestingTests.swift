// Deeply nested YAML is refused before it reaches the parser (issue 19, item 6): Yams recurses
// once per level and overflowed the stack at about 4,700 levels.

import Foundation
import GlimpsePipeline
import Testing

@Suite("Pipeline-file nesting", .serialized)
struct PipelineNestingTests {
    static let flow = "name: deep\nstages:\n  classifier: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "\n"
    static let mapping = "name: deep\nstages:\n  classifier: " + String(repeating: "{a: ", count: 40) + "1" + String(repeating: "}", count: 40) + "\n"
    static let compactSequences = "name: deep\ndescription: x\nstages:\n  classifier:\n    " + String(repeating: "- ", count: 40) + "x\n"
    static let indented = "name: deep\nstages:\n" + (1...40).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"

    @Test(arguments: [(flow, 3), (mapping, 3), (compactSequences, 5), (indented, 34)])
    func nestingBeyondTheLimitIsRefusedWithTheLine(yaml: String, line: Int) {
        let problems = PipelineFileTests.problems(yaml)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.line == line, "\(problems)")
        #expect(problems.first?.message.contains("nested deeper than 32 levels") == true, "\(problems)")
    }

    @Test func nestingWithinTheLimitIsLeftToTheValidator() {
        let yaml = "name: shallow\nstages:\n  decoder: {use: image-file, pixel_budget: [[[1]]]}\n"
        let problems = PipelineFileTests.problems(yaml)
        #expect(!problems.isEmpty && problems.allSatisfy { !$0.message.contains("nested") }, "\(problems)")
    }

    /// 50,000 levels (a 100 KB file): before the fix Yams' recursive composer overflowed the
    /// stack at about 4,700 levels in a release build, but a debug build got through 5,000 (the
    /// depth this test used first, so it passed there before the fix too) and crashed at 20,000
    /// (scripts/regressions-before-fix.sh; docs/reliability.md).
    @Test func fiftyThousandLevelsExitWithAPipelineFileErrorNotACrash() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let deep = "stages:\n  classifier: " + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "\n"
        try deep.write(to: work.appendingPathComponent("deep.yaml"), atomically: true, encoding: .utf8)
        let run = try PipelineFixtures.glimpse(["run", "deep.yaml", "x", "-o", "out"], in: work)
        #expect(run.status == 2, "exit \(run.status): \(run.stderr.prefix(300))")
        #expect(run.stderr.contains("deep.yaml:2:"), "\(run.stderr.prefix(300))")
    }
}
