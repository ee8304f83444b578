// `mpirun -np 2 glimpse run` (docs/distributed.md): the ranks split the inputs by content hash,
// each writes its images' outputs and its ledger part, rank 0 merges; the output folder is byte
// for byte a single process's (the ledger aside, whose timings differ), and --resume redoes
// exactly what is missing. The default pipeline (classifier, captioner, proposals: COCO files,
// captions.jsonl, report.html) over the mixed tree of good, broken and non-image files.

import Foundation
import GlimpseTestSupport
import Testing

@Suite(.serialized) struct ShardedRunTests {
    /// `mpirun -np 2 glimpse ARGUMENTS` in `directory`, allowed as root, ranks not bound to cores.
    static func mpirun(_ arguments: [String], in directory: URL) throws -> GlimpseRun {
        let glimpse = try GlimpseProcess.executable().path
        return try GlimpseProcess.run(
            program: URL(fileURLWithPath: "/usr/bin/env"),
            ["OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
             "OMPI_MCA_btl_vader_single_copy_mechanism=none", try ExternalTool.mpirun.require(),
             "--oversubscribe", "--bind-to", "none", "-np", "2", glimpse] + arguments, in: directory)
    }

    /// Files that legitimately differ between runs: the ledger (timings) and the lock file.
    static let runRecords: Set<String> = ["ledger.jsonl", ".glimpse-run.lock"]

    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func twoRanksWriteWhatOneProcessWrites() throws {
        let tree = try PipelineFixtures.mixedTree()
        let work = tree.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: work) }
        let pipeline = PipelineFixtures.root.appendingPathComponent("Pipelines/default.yaml").path
        let single = try PipelineFixtures.glimpse(["run", pipeline, "photos", "-o", "one", "--jobs", "1", "--quiet"], in: work)
        #expect(single.status == 1, "the broken files fail: \(single.stderr)")
        let sharded = try Self.mpirun(["run", pipeline, "photos", "-o", "two", "--jobs", "1", "--quiet"], in: work)
        #expect(sharded.status == 1, "\(sharded.stderr)")
        #expect(!sharded.stderr.contains("MPI_ABORT"), "\(sharded.stderr)")

        let one = try PipelineFixtures.files(under: work.appendingPathComponent("one"), excluding: Self.runRecords)
        var two = try PipelineFixtures.files(under: work.appendingPathComponent("two"), excluding: Self.runRecords)
        #expect(one.keys.contains("report.html") && one.keys.contains("captions.jsonl") && one.keys.contains("boxes.results.json"))
        #expect(one.count > 20)
        #expect(one.keys.sorted() == two.keys.sorted())
        for (name, bytes) in one where two[name] != bytes { Issue.record("\(name) differs") }
        // the merged ledger lists every input in the same order, and the parts are gone
        let paths = { (folder: String) in try PipelineFixtures.ledger(work.appendingPathComponent(folder)).map { $0["path"] as! String } }
        #expect(try paths("one") == paths("two"))

        // an output lost after the run: --resume under mpirun redoes exactly that image
        try FileManager.default.removeItem(at: work.appendingPathComponent("two/photos/rgb.json"))
        let resumed = try Self.mpirun(["run", pipeline, "photos", "-o", "two", "--jobs", "1", "--quiet", "--resume"], in: work)
        #expect(resumed.status == 1, "\(resumed.stderr)")
        two = try PipelineFixtures.files(under: work.appendingPathComponent("two"), excluding: Self.runRecords)
        #expect(one == two)
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("two"))
        let redone = ledger.filter { $0["status"] as? String == "ok" && $0["resumed"] as? Bool != true }.map { $0["path"] as! String }
        #expect(redone.count == 1 && redone.first?.hasSuffix("rgb.png") == true, "\(redone)")
    }
}
