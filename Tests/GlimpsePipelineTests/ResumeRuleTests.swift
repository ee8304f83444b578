// What --resume reuses: only inputs whose content, pipeline and outputs are unchanged.

import Foundation
import GlimpseImaging
import GlimpsePipeline
import Testing

@Suite("Resume rules")
struct ResumeRuleTests {
    static func run(_ yaml: String, _ folder: URL, _ out: URL, resume: Bool) throws -> (RunSummary, [[String: Any]]) {
        let file = try PipelineFile.parse(yaml, file: "p.yaml", registry: .withTestStages) { _ in nil }
        let pipeline = try Pipeline(file)
        let items = InputScanner.scan([folder.path]) { pipeline.decoder.recognises($0) }
        let summary = try BatchRunner(pipeline: pipeline, items: items, options: BatchOptions(output: out, jobs: 2, resume: resume)).run()
        return (summary, try PipelineFixtures.ledger(out))
    }

    @Test func changedContentOrPipelineIsDoneAgain() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let yaml = "stages:\n  proposer: quadrants\n  captioner: size\n"
        let (first, _) = try Self.run(yaml, tree.folder, out, resume: false)
        #expect(first.resumed == 0 && first.ok == tree.good.count + 1)

        // same everything: all reused
        let (again, _) = try Self.run(yaml, tree.folder, out, resume: true)
        #expect(again.resumed == again.ok && again.ok == first.ok)

        // one image's content changes: only that one is done again, with its new size
        let changed = tree.folder.appendingPathComponent("rgb.png")
        try PNG.encode(PipelineFixtures.image(width: 20, height: 10, channels: 3, seed: 99)).withUnsafeBufferPointer {
            try Data(buffer: $0).write(to: changed)
        }
        let (afterEdit, ledger) = try Self.run(yaml, tree.folder, out, resume: true)
        #expect(afterEdit.resumed == first.ok - 1)
        let entry = ledger.first { $0["path"] as? String == changed.path }
        #expect(entry?["resumed"] == nil && entry?["status"] as? String == "ok")
        let record = try ImageResult.read(out.appendingPathComponent("photos/rgb.json"))
        #expect(record.width == 20 && record.captions?.first?.text == "a 20 by 10 image")

        // a deleted output is rebuilt
        try FileManager.default.removeItem(at: out.appendingPathComponent("photos/gray.json"))
        let (afterDelete, _) = try Self.run(yaml, tree.folder, out, resume: true)
        #expect(afterDelete.resumed == first.ok - 1)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("photos/gray.json").path))

        // another pipeline: nothing reused
        let (otherPipeline, _) = try Self.run(yaml + "outputs:\n  previews: true\n", tree.folder, out, resume: true)
        #expect(otherPipeline.resumed == 0)
    }
}
