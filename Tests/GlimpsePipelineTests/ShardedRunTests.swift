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
    /// `environment` adds VARIABLE=VALUE settings.
    static func mpirun(_ arguments: [String], in directory: URL, environment: [String] = []) throws -> GlimpseRun {
        let glimpse = try GlimpseProcess.executable().path
        return try GlimpseProcess.run(
            program: URL(fileURLWithPath: "/usr/bin/env"),
            environment + ["OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
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

    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func aKilledShardedRunResumesInOneProcess() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // enough images that rank 1 is still at work when it is found and killed (300 were done
        // before the kill landed on an idle machine)
        let count = 1200
        try RunCommandTests.manyImages(count: count, in: work)
        let full = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "full", "--quiet"], in: work)
        #expect(full.status == 0, "\(full.stderr)")

        // two ranks, rank 1 killed with SIGKILL once its ledger part holds 20 lines
        let glimpse = try GlimpseProcess.executable().path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                             "OMPI_MCA_btl_vader_single_copy_mechanism=none", try ExternalTool.mpirun.require(),
                             "--oversubscribe", "--bind-to", "none", "-np", "2", glimpse,
                             "run", "cheap.yaml", "many", "-o", "killed", "--quiet", "--jobs", "1"]
        process.currentDirectoryURL = work
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let part = work.appendingPathComponent("killed/ledger.rank-1.jsonl").path
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && process.isRunning {
            let text = (try? String(contentsOfFile: part, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count >= 20 { break }
            usleep(2_000)
        }
        let rank1 = MPIRankProcess.descendant(of: process.processIdentifier, rank: 1)
        #expect(rank1 != nil, "no rank 1 found")
        if let rank1 { kill(rank1, SIGKILL) }
        let killed = Date()
        while process.isRunning && Date().timeIntervalSince(killed) < 60 { usleep(10_000) }
        #expect(!process.isRunning, "the job still runs 60 s after rank 1 was killed")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("killed/report.html").path))

        // a single process resumes from both ranks' parts and ends with the full run's files
        let resumed = try PipelineFixtures.glimpse(["run", "cheap.yaml", "many", "-o", "killed", "--resume", "--quiet"], in: work)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let ledger = try PipelineFixtures.ledger(work.appendingPathComponent("killed"))
        #expect(ledger.count == count)
        #expect(ledger.filter { $0["resumed"] as? Bool == true }.count >= 20, "the killed ranks' work was redone")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("killed").path)
            .filter { $0.hasPrefix("ledger.rank-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let expected = try PipelineFixtures.files(under: work.appendingPathComponent("full"), excluding: Self.runRecords)
        let actual = try PipelineFixtures.files(under: work.appendingPathComponent("killed"), excluding: Self.runRecords)
        #expect(Set(actual.keys) == Set(expected.keys))
        let different = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
        #expect(different.isEmpty, "differ: \(different.prefix(5))")
    }

    /// A rank that finished its share but is stuck before the end (the test hook
    /// GLIMPSE_MPI_TEST_STALL=1:2: rank 1 sleeps forever in its second collective, the barrier
    /// at the end of the run) ends the job within the timeout; rank 0 names it and writes no report.
    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func aStuckRankEndsTheRunWithinTheTimeout() throws {
        let work = try PipelineFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        try RunCommandTests.manyImages(count: 20, in: work)
        let start = Date()
        let run = try Self.mpirun(["run", "cheap.yaml", "many", "-o", "out", "--quiet", "--jobs", "1"], in: work,
                                  environment: ["GLIMPSE_MPI_TIMEOUT=3", "GLIMPSE_MPI_TEST_STALL=1:2"])
        let seconds = Date().timeIntervalSince(start)
        #expect(run.status != 0)
        #expect(seconds >= 3 && seconds < 25, "the job took \(seconds) s")
        #expect(run.stderr.contains("rank 0 of 2: no reply from rank 1 within 3 s in the barrier at the end of the run"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("out/report.html").path))
    }
}
