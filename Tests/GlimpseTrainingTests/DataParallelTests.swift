// Data-parallel training under `mpirun -np 2 --oversubscribe` (docs/distributed.md): two ranks
// with a global batch B against one process with batch B (same weights after one step within
// 1e-6 relative, the same loss curve over two small epochs), two 2-rank runs bit-identical, and
// the failures: a rank that throws and a rank killed with SIGKILL mid-epoch end the job in
// bounded time with a message naming the rank; the checkpoint left on disk resumes.
//
// Tiny MNIST runs (a few hundred images, one thread per rank) keep the whole suite to about a
// minute. As root (CI containers) Open MPI needs both OMPI_ALLOW_RUN_AS_ROOT variables; in a
// container without ptrace rights its shared-memory transport cannot copy large messages across
// processes (CMA), so the tests turn that single-copy path off.

import Foundation
import GlimpseSerialization
import GlimpseTensor
import GlimpseTestSupport
import GlimpseTraining
import Testing

@Suite(.serialized) struct DataParallelTests {
    /// A fresh folder for one test's files.
    static func workFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `mpirun` with the settings every test uses, then `ranks` (each `-np n glimpse ARGS`, joined by `:`).
    static func mpirunArguments(_ ranks: [(count: Int, arguments: [String])]) throws -> [String] {
        let glimpse = try GlimpseProcess.executable().path
        var arguments = ["OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
                         "OMPI_MCA_btl_vader_single_copy_mechanism=none", try ExternalTool.mpirun.require(),
                         "--oversubscribe", "--bind-to", "none"]
        for (index, rank) in ranks.enumerated() {
            if index > 0 { arguments.append(":") }
            arguments += ["-np", String(rank.count), glimpse] + rank.arguments
        }
        return arguments
    }

    /// Runs `mpirun -np ranks glimpse ARGUMENTS` to completion.
    static func mpirun(_ ranks: Int, _ arguments: [String]) throws -> GlimpseRun {
        try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/env"), try mpirunArguments([(ranks, arguments)]))
    }

    /// `train mnist` on the first `limit` images (the last 64 held out), one thread, writing
    /// `output` in `folder`; no augmentation and no dropout unless `drawing` (then their defaults:
    /// digit augmentation on, DeepConvNet's two dropout layers at 0.5).
    static func train(limit: Int, batch: Int, epochs: Int, output: String, in folder: URL, extra: [String] = [],
                      drawing: Bool = false) -> [String] {
        ["train", "mnist", "--limit", String(limit), "--validation", "64", "--batch-size", String(batch),
         "--epochs", String(epochs)] + (drawing ? [] : ["--no-augment", "--dropout", "0"]) + ["--threads", "1", "--quiet",
         "--output", folder.appendingPathComponent(output).path] + extra
    }

    /// The tensors of a weights or checkpoint file, by name.
    static func tensors(_ url: URL) throws -> [String: Tensor] {
        let file = try SafetensorsFile(contentsOf: url)
        var result = [String: Tensor]()
        for name in file.names { result[name] = try file.tensor(named: name) }
        return result
    }

    /// The largest per-tensor relative difference ||a - b|| / ||a|| (Euclidean norms over each
    /// tensor's scalars). Element by element, weights near zero differ relatively more: one
    /// process at --threads 1 against --threads 2 already differs by 7.5e-6 of a 1e-4 weight after
    /// one step, from the order its gradient sums are added in; per tensor both that and two
    /// ranks against one process measure about 2.3e-7.
    static func largestRelativeDifference(_ a: [String: Tensor], _ b: [String: Tensor]) -> Double {
        precondition(a.keys.sorted() == b.keys.sorted(), "different tensors")
        var largest = 0.0
        for (name, tensor) in a {
            var difference = 0.0, norm = 0.0
            for (x, y) in zip(tensor.scalars, b[name]!.scalars) {
                difference += Double(x - y) * Double(x - y)
                norm += Double(x) * Double(x)
            }
            if norm > 0 { largest = max(largest, (difference / norm).squareRoot()) }
        }
        return largest
    }

    /// The losses in a weights file's `history` metadata (`epoch:loss:...;...`).
    static func losses(_ url: URL) throws -> [Double] {
        let history = try SafetensorsFile(contentsOf: url).metadata["history"] ?? ""
        return history.split(separator: ";").map { Double($0.split(separator: ":")[1])! }
    }

    @Test func sharesCoverTheBatchInOrder() {
        for count in [1, 2, 7, 64, 65] {
            for size in 1...4 where size <= count {
                let shares = (0..<size).map { Trainer<JitteredRegression>.share(of: count, rank: $0, size: size) }
                #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == count)
                for (left, right) in zip(shares, shares.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
                #expect(shares.map(\.count).max()! - shares.map(\.count).min()! <= 1)
            }
        }
    }

    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func twoRanksTakeTheStepOfOneProcess() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // one step: 64 training images, a global batch of 64 (32 per rank)
        // plain SGD: Adam divides each gradient by its own magnitude, which turns float rounding in a
        // near-zero gradient into a visible difference (4.9e-6 relative measured), whatever the sum
        let sgd = ["--optimizer", "sgd", "--learning-rate", "0.1"]
        let single = try GlimpseProcess.run(Self.train(limit: 128, batch: 64, epochs: 1, output: "one.safetensors", in: work, extra: sgd))
        #expect(single.status == 0, "\(single.stderr)")
        let pair = try Self.mpirun(2, Self.train(limit: 128, batch: 64, epochs: 1, output: "two.safetensors", in: work, extra: sgd))
        #expect(pair.status == 0, "\(pair.stderr)")
        let difference = Self.largestRelativeDifference(try Self.tensors(work.appendingPathComponent("one.safetensors")),
                                                        try Self.tensors(work.appendingPathComponent("two.safetensors")))
        #expect(difference < 1e-6, "largest relative difference after one step \(difference)")
        // only rank 0 writes: one weights file, one checkpoint, nothing else
        let files = try FileManager.default.contentsOfDirectory(atPath: work.path).sorted()
        #expect(files == ["one.checkpoint.safetensors", "one.safetensors", "two.checkpoint.safetensors", "two.safetensors"], "\(files)")
    }

    /// Digit augmentation and dropout on (their defaults): every example draws from streams keyed
    /// by its position in the epoch order, so two ranks draw what one process draws and take the
    /// same steps (4 SGD steps over 2 epochs of 2 batches of 64, 32 per rank).
    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func twoRanksDrawTheAugmentationAndDropoutOfOneProcess() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let arguments = { (name: String) in
            Self.train(limit: 192, batch: 64, epochs: 2, output: name, in: work,
                       extra: ["--optimizer", "sgd", "--learning-rate", "0.1"], drawing: true)
        }
        let single = try GlimpseProcess.run(arguments("one.safetensors"))
        #expect(single.status == 0, "\(single.stderr)")
        let pair = try Self.mpirun(2, arguments("two.safetensors"))
        #expect(pair.status == 0, "\(pair.stderr)")
        let one = try Self.tensors(work.appendingPathComponent("one.safetensors"))
        let two = try Self.tensors(work.appendingPathComponent("two.safetensors"))
        let difference = Self.largestRelativeDifference(one, two)
        #expect(difference < 1e-6, "largest relative difference after four steps \(difference)")
        let (lossesOne, lossesTwo) = (try Self.losses(work.appendingPathComponent("one.safetensors")),
                                      try Self.losses(work.appendingPathComponent("two.safetensors")))
        for (x, y) in zip(lossesOne, lossesTwo) { #expect(abs(x - y) <= 1e-5 * max(1, abs(x)), "losses \(lossesOne) against \(lossesTwo)") }
        // the draws are on: the same run without them ends elsewhere
        let plain = try GlimpseProcess.run(Self.train(limit: 192, batch: 64, epochs: 2, output: "plain.safetensors", in: work,
                                                      extra: ["--optimizer", "sgd", "--learning-rate", "0.1"]))
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(Self.largestRelativeDifference(one, try Self.tensors(work.appendingPathComponent("plain.safetensors"))) > 1e-3)
    }

    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func lossCurvesMatchAndRunsRepeatBitForBit() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // 256 training images in batches of 50 (the last of each epoch has 6, 3 per rank), 2 epochs
        let arguments = { (name: String) in Self.train(limit: 320, batch: 50, epochs: 2, output: name, in: work) }
        let single = try GlimpseProcess.run(arguments("one.safetensors"))
        #expect(single.status == 0, "\(single.stderr)")
        for name in ["a.safetensors", "b.safetensors"] {
            let run = try Self.mpirun(2, arguments(name))
            #expect(run.status == 0, "\(run.stderr)")
        }
        let one = try Self.losses(work.appendingPathComponent("one.safetensors"))
        let two = try Self.losses(work.appendingPathComponent("a.safetensors"))
        #expect(one.count == 2 && two.count == 2)
        for (x, y) in zip(one, two) { #expect(abs(x - y) <= 1e-4 * max(1, abs(x)), "losses \(one) against \(two)") }
        let a = try Self.tensors(work.appendingPathComponent("a.safetensors"))
        let b = try Self.tensors(work.appendingPathComponent("b.safetensors"))
        #expect(a == b, "two 2-rank runs differ")
        #expect(Self.largestRelativeDifference(a, try Self.tensors(work.appendingPathComponent("one.safetensors"))) < 1e-3)
    }

    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func aRankThatThrowsEndsTheJob() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        // rank 1 is pointed at a folder with no MNIST files: it throws while rank 0 waits for it
        let good = Self.train(limit: 128, batch: 64, epochs: 1, output: "w.safetensors", in: work)
        let bad = good + ["--data", work.appendingPathComponent("missing").path]
        let start = Date()
        let run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/env"),
                                         try Self.mpirunArguments([(1, good), (1, bad)]))
        #expect(run.status != 0)
        #expect(Date().timeIntervalSince(start) < 60)
        #expect(run.stderr.contains("rank 1 of 2: error:"), "\(run.stderr)")
        #expect(run.stderr.contains("missing"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("w.safetensors").path))
    }

    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func aKilledRankEndsTheJobAndTheCheckpointResumes() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let arguments = Self.train(limit: 2064, batch: 50, epochs: 3, output: "w.safetensors", in: work)
        let checkpoint = work.appendingPathComponent("w.checkpoint.safetensors")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = try Self.mpirunArguments([(2, arguments)])
        let errorFile = work.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // wait for the first epoch's checkpoint, then kill rank 1 in the second epoch
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let rank1 = MPIRankProcess.descendant(of: process.processIdentifier, rank: 1)
        #expect(rank1 != nil, "no rank 1 found")
        if let rank1 { kill(rank1, SIGKILL) }
        let killed = Date()
        while process.isRunning && Date().timeIntervalSince(killed) < 60 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning, "the job still runs 60 s after rank 1 was killed")
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let stderr = try String(contentsOf: errorFile, encoding: .utf8)
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("rank 1") && stderr.contains("signal 9"), "\(stderr)")
        // the checkpoint is whole (epoch 1, or 2 if the kill came late) and the job resumes from it
        let saved = try Checkpoint(contentsOf: checkpoint)
        #expect(saved.epoch >= 1 && saved.epoch < 3)
        let resumed = try Self.mpirun(2, arguments + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.losses(work.appendingPathComponent("w.safetensors")).count == 3)
    }

    /// A rank alive but stuck (the test hook GLIMPSE_MPI_TEST_STALL=R:K: rank R sleeps forever in
    /// its K-th collective; the start takes three broadcasts, then each step a barrier and a sum,
    /// so K = 6 is the barrier before step 2) ends the job within the timeout with a message
    /// naming it. Rank 0 knows who has not arrived; when rank 0 is the stuck one, rank 1 names it
    /// after the timeout plus its grace (5 s).
    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)),
          arguments: [(stuck: 1, reporter: 0, bound: 3.0), (stuck: 0, reporter: 1, bound: 8.0)])
    func aStuckRankEndsTheJobWithinTheTimeout(stuck: Int, reporter: Int, bound: Double) throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let arguments = Self.train(limit: 264, batch: 50, epochs: 1, output: "w.safetensors", in: work)
        let start = Date()
        let run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/env"),
                                         ["GLIMPSE_MPI_TIMEOUT=3", "GLIMPSE_MPI_TEST_STALL=\(stuck):6"] + Self.mpirunArguments([(2, arguments)]))
        let seconds = Date().timeIntervalSince(start)
        #expect(run.status != 0)
        // the bound, plus Open MPI's start and the steps before the stall (about 2 s here)
        #expect(seconds < bound + 20, "the job took \(seconds) s")
        #expect(seconds >= bound, "the job ended after \(seconds) s, before the timeout")
        let expected = "rank \(reporter) of 2: no reply from rank \(stuck) within \(Int(bound)) s in the barrier before the gradient sum of step 2 (epoch 1)"
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(run.stderr.contains("GLIMPSE_MPI_TIMEOUT"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("w.safetensors").path))
    }

    /// A malformed GLIMPSE_MPI_TIMEOUT is refused before MPI starts, with the cause, on every rank.
    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func aMalformedTimeoutIsRefused() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let run = try GlimpseProcess.run(program: URL(fileURLWithPath: "/usr/bin/env"),
                                         ["GLIMPSE_MPI_TIMEOUT=soon"] + Self.mpirunArguments([(2, Self.train(limit: 128, batch: 64, epochs: 1,
                                                                                                               output: "w.safetensors", in: work))]))
        #expect(run.status != 0)
        #expect(run.stderr.contains("error: MPI: GLIMPSE_MPI_TIMEOUT=soon: expected a number of seconds above 0"), "\(run.stderr)")
    }

    /// R-CNN under mpirun: the fine-tuning mini-batches of 128 windows split 64 + 64 (the task
    /// draws the whole batch's windows and dropout masks on every rank), the region features split
    /// by images and gathered on rank 0, which trains the SVMs and regressors and writes alone.
    /// Two ranks give one process's weights, SVMs and regressors within float noise (measured
    /// 7.9e-7 relative per tensor at most, the SVM weights) and the same history; two 2-rank runs
    /// are bit-identical.
    @Test(.enabled(if: ExternalTool.mpirun.testsRun, Comment(rawValue: ExternalTool.mpirun.skipReason)))
    func rcnnTrainsDataParallelAsOneProcess() throws {
        let work = try Self.workFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let scenes = work.appendingPathComponent("scenes").path
        let generated = try GlimpseProcess.run(["datasets", "scenes", "--out", scenes, "--splits", "8,2,2", "--max-objects", "2", "--seed", "5"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let outputs = work.appendingPathComponent("out")
        let arguments = { (name: String) in
            ["train", "detector", "--method", "rcnn", "--data", scenes, "--epochs", "2", "--batches-per-epoch", "3", "--max-proposals", "100",
             "--mining-rounds", "2", "--threads", "1", "--quiet", "--output", outputs.appendingPathComponent(name).path]
        }
        let single = try GlimpseProcess.run(arguments("one.safetensors"))
        #expect(single.status == 0, "\(single.stderr)")
        for name in ["a.safetensors", "b.safetensors"] {
            let run = try Self.mpirun(2, arguments(name))
            #expect(run.status == 0, "\(run.stderr)")
        }
        let one = try Self.tensors(outputs.appendingPathComponent("one.safetensors"))
        let a = try Self.tensors(outputs.appendingPathComponent("a.safetensors"))
        #expect(one.keys.contains("svm.weight") && one.keys.contains("bbox_reg.weight"))
        let difference = Self.largestRelativeDifference(one, a)
        #expect(difference < 1e-5, "largest relative difference \(difference)")
        let history = { (name: String) in try SafetensorsFile(contentsOf: outputs.appendingPathComponent(name)).metadata["history"] }
        #expect(try history("one.safetensors") == history("a.safetensors"))
        #expect(a == (try Self.tensors(outputs.appendingPathComponent("b.safetensors"))), "two 2-rank runs differ")
        // only rank 0 wrote: each run's weights and checkpoint
        let files = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        #expect(files == ["a.checkpoint.safetensors", "a.safetensors", "b.checkpoint.safetensors", "b.safetensors",
                          "one.checkpoint.safetensors", "one.safetensors"], "\(files)")
    }
}
