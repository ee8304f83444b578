// Pipeline-file mistakes found while setting stages up (issue 19, item 11): a folder given as
// `weights:` reached the loader and came back as "NSCocoaErrorDomain error 256"; set-up errors
// (`mode: turbo`, `max: -5`) appeared only once the type errors were fixed, and then one per stage.

import Foundation
import GlimpsePipeline
import GlimpseStages
import Testing

@Suite("Pipeline set-up errors", .serialized)
struct PipelineSetUpErrorTests {
    @Test func aFolderGivenAsWeightsIsNamedAsAFolder() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let yaml = "stages:\n  decoder: image-file\n  classifier: {use: squeezenet, weights: \(work.path)}\n"
        let found = PipelineFileTests.problems(yaml, registry: .standard)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.key == "stages.classifier.weights")
        #expect(found.first?.message == "a folder, not a file: \(work.path)", "\(found)")
    }

    @Test func typeAndSetUpErrorsOfEveryStageAreReportedAtOnce() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let url = work.appendingPathComponent("p.yaml")
        let yaml = """
            stages:
              decoder: {use: image-file, pixel_budget: lots}
              proposer: {use: selective-search, mode: turbo, max: -5}
            outputs:
              top: 0
            """
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try Pipeline.load(url.path, registry: .standard)
            Issue.record("a broken pipeline file was accepted")
        } catch let error as PipelineFileError {
            let lines = error.problems.map { "\($0.line) \($0.key): \($0.message)" }
            #expect(lines.count == 3, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("2 stages.decoder.pixel_budget: expected int") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("3 stages.proposer: selective-search cannot be set up")
                    && $0.contains("mode=turbo: must be single, fast or quality")
                    && $0.contains("max=-5: must be a positive integer") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("5 outputs.top: must be at least 1") }, "\(lines)")
            #expect(error.problems.map(\.line) == error.problems.map(\.line).sorted(), "in line order")
        }
    }

    @Test func theRunCommandReportsThemAllWithStatusTwo() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try "stages:\n  decoder: {use: image-file, pixel_budget: lots}\n  proposer: {use: selective-search, mode: turbo, max: -5}\n"
            .write(to: work.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let run = try PipelineFixtures.glimpse(["run", "p.yaml", ".", "-o", "out"], in: work)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("pixel_budget: expected int") && run.stderr.contains("mode=turbo")
                && run.stderr.contains("max=-5"), "\(run.stderr)")
    }

    @Test func boxVotingAndRefinementOutOfRangeAreNamed() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let weights = PipelineFixtures.root.appendingPathComponent("datasets/weights/fast-rcnn-scenes.safetensors").path
        for (setting, message) in [("box_voting: 1.5", "box_voting must be in [0, 1]"), ("refine: 9", "refine must be from 0 to 5")] {
            let url = work.appendingPathComponent("p.yaml")
            try "stages:\n  decoder: image-file\n  proposer: selective-search\n  detector: {use: fast-rcnn, weights: \(weights), \(setting)}\n"
                .write(to: url, atomically: true, encoding: .utf8)
            do {
                _ = try Pipeline.load(url.path, registry: .standard)
                Issue.record("\(setting) was accepted")
            } catch let error as PipelineFileError {
                #expect(error.problems.count == 1 && error.problems[0].key == "stages.detector"
                        && error.problems[0].message.contains(message), "\(error.problems)")
            }
        }
    }
}
