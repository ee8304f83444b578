// Pipeline-file set-up errors (issue 19, item 11) through `glimpse run`, the interface the tree had
// before and after the fix, so that scripts/regressions-before-fix.sh can show them failing on the
// unfixed tree (PipelineSetUpErrorTests checks the same through Pipeline.load, which the fix
// added): a folder given as `weights:` came back as "NSCocoaErrorDomain error 256", and set-up
// errors (`mode: turbo`, `max: -5`) appeared only once the type errors were fixed.

import Foundation
import Testing

@Suite("Pipeline set-up errors through glimpse run", .serialized)
struct PipelineSetUpErrorCommandTests {
    /// The problem lines of a `glimpse run` refused for its pipeline file (all but the heading).
    static func problemLines(_ stderr: String) -> [String] {
        Array(stderr.split(separator: "\n").dropFirst().map(String.init))
    }

    @Test func aFolderGivenAsWeightsIsNamedAsAFolder() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let weights = work.appendingPathComponent("weights-folder")
        try FileManager.default.createDirectory(at: weights, withIntermediateDirectories: true)
        try "stages:\n  decoder: image-file\n  classifier: {use: squeezenet, weights: \(weights.path)}\n"
            .write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let run = try PipelineFixtures.glimpse(["run", "p.yaml", ".", "-o", "out"], in: work)
        #expect(run.status == 2, "exit \(run.status): \(run.stderr)")
        let lines = Self.problemLines(run.stderr)
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(lines.first?.hasSuffix("p.yaml:3: stages.classifier.weights: a folder, not a file: \(weights.path)") == true,
                "\(run.stderr)")
        #expect(!run.stderr.contains("NSCocoaErrorDomain"), "\(run.stderr)")
    }

    @Test func typeAndSetUpErrorsOfEveryStageAreListedAtOnceInLineOrder() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let yaml = """
            stages:
              decoder: {use: image-file, pixel_budget: lots}
              proposer: {use: selective-search, mode: turbo, max: -5}
            outputs:
              top: 0
            """
        try yaml.write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let run = try PipelineFixtures.glimpse(["run", "p.yaml", ".", "-o", "out"], in: work)
        #expect(run.status == 2, "exit \(run.status): \(run.stderr)")
        let lines = Self.problemLines(run.stderr)
        #expect(lines.count == 3, "\(run.stderr)")
        guard lines.count == 3 else { return }
        #expect(lines[0].contains("p.yaml:2: stages.decoder.pixel_budget: expected int"), "\(lines[0])")
        #expect(lines[1].contains("p.yaml:3: stages.proposer: selective-search cannot be set up")
                && lines[1].contains("mode=turbo: must be single, fast or quality")
                && lines[1].contains("max=-5: must be a positive integer"), "\(lines[1])")
        #expect(lines[2].contains("p.yaml:5: outputs.top: must be at least 1"), "\(lines[2])")
    }
}
