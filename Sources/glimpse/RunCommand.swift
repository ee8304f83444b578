// `glimpse run [PIPELINE] INPUT... -o OUT`: a pipeline file over files, folders and list files,
// with a ledger that lets a killed run resume. With no arguments: Pipelines/default.yaml over
// datasets/samples/ into out/.

import ArgumentParser
import Foundation
import GlimpseModels
import GlimpsePipeline
import GlimpseRegistry
import GlimpseStages
import GlimpseTensor
import GlimpseDistributed
import GlimpseTraining

/// `glimpse run`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file over images: per-image JSON, COCO boxes, captions, masks, a ledger and report.html.",
        discussion: """
            The first argument is the pipeline file when it ends in .yaml or .yml (default \
            Pipelines/default.yaml); the rest are inputs: image files, folders (recursive, symbolic links \
            followed) and list files (@FILE, or a name ending .list or .txt). Images are told by content; \
            other files are skipped and counted. Outputs mirror the input tree under OUT. Exit status: \
            0 all succeeded, 1 some inputs failed, 2 usage or pipeline-file error.
            """)

    @Argument(help: "[PIPELINE.yaml] then inputs (default: datasets/samples).")
    var arguments: [String] = []
    @Option(name: [.short, .customLong("output")], help: "Output folder.")
    var output = "out"
    @Option(help: "Images processed at once (default: all cores); each runs single-threaded, so outputs do not depend on it.")
    var jobs: Int?
    @Option(help: "Images each job gathers into one batch for the network stages (default: 1; larger batches measured slower and bigger, docs/speed.md); closed early at 4 Mpixels of decoded images. Outputs do not depend on it.")
    var batch = 1
    @Flag(help: "Skip inputs the ledger records as done with the same content and pipeline file.")
    var resume = false
    @Flag(help: "No progress output (failed inputs are still listed on standard error).")
    var quiet = false
    @Flag(help: "List the registered conformances of every stage and exit.")
    var listConformances = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if output.isEmpty { throw ValidationError("-o/--output must name a folder (an empty name would write among the inputs)") }
    }

    func run() throws {
        if listConformances {
            for conformance in StageRegistry.standard.all {
                let parameters = conformance.parameters.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", ")
                print("\(conformance.kind.rawValue): \(conformance.name) - \(conformance.summary)\(parameters.isEmpty ? "" : "; parameters: " + parameters)")
            }
            return
        }
        var inputs = arguments
        var pipelinePath = "Pipelines/default.yaml"
        if let first = inputs.first, first.hasSuffix(".yaml") || first.hasSuffix(".yml") {
            pipelinePath = first
            inputs.removeFirst()
        }
        if inputs.isEmpty { inputs = [ProjectPaths.resolve("datasets/samples")] }
        pipelinePath = ProjectPaths.resolve(pipelinePath)

        Compute.configureAllocator()
        // One level of parallelism: images across workers, each single-threaded inside.
        Compute.setThreads(1)
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline.load(pipelinePath, registry: .standard) { candidate in
                PipelineFile.defaultResolver(for: pipelinePath)(candidate)
                    ?? Optional(ProjectPaths.resolve(candidate)).flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
            }
        } catch let error as PipelineFileError {
            printError("error: pipeline file \(error.file):\n\(error)")
            throw ExitCode(2)
        }

        let items = InputScanner.scan(inputs, excluding: output) { pipeline.decoder.recognises($0) }
        if let clash = items.first(where: { $0.kind == .unreadable(InputScanner.outputFolderReason) }) {
            printError("error: the input folder \(clash.path) \(InputScanner.outputFolderReason)")
            throw ExitCode(2)
        }
        // Under mpirun each rank takes the images whose content hash is its rank modulo the size
        // (docs/distributed.md); the default jobs share this machine's cores among its ranks.
        let world = Communicator.world.flatMap { $0.size > 1 ? $0 : nil }
        let shard = world.map { RunShard(rank: $0.rank, count: $0.size) }
        let jobs = self.jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount / (world?.localSize ?? 1))
        let runner = BatchRunner(pipeline: pipeline, items: items,
                                 options: BatchOptions(output: URL(fileURLWithPath: output), jobs: jobs, resume: resume, shard: shard,
                                                      batch: batch))
        let progress = ProgressReporter(quiet: quiet, logInterval: 5)
        progress.log("glimpse run: \(pipeline.file.name) (\(pipelinePath)) over \(items.count) files into \(output), \(jobs) jobs, batches of \(batch)"
                     + (world.map { " on each of \($0.size) ranks" } ?? ""))
        var summary: RunSummary
        do {
            summary = try runner.run(afterLock: { world?.barrier(during: "the barrier at the start of the run (rank 0 taking the output folder's lock)") }) { entry, counts in
                if entry.status == .failed {
                    // --quiet never hides a failure; the other ranks' reporters are quiet, so
                    // their failures go to stderr prefixed with the rank
                    if world?.isRoot ?? true { progress.failure("failed: \(entry.error ?? entry.path)") } else { printError("failed: \(entry.error ?? entry.path)") }
                }
                let done = counts.ok + counts.failed + counts.skipped
                progress.update(label: "run", done: done, total: counts.total,
                                rate: counts.seconds > 0 ? Double(counts.ok - counts.resumed) / counts.seconds : 0,
                                fields: "failed \(counts.failed)")
            }
            if let world {
                // every rank's part is on disk once all have passed the barrier; the ranks finish
                // their shares at different times, so the deadline bounds silence: it restarts
                // whenever a ledger part grows
                let folder = URL(fileURLWithPath: output)
                world.barrier(during: "the barrier at the end of the run (every rank finishing its share)",
                              progress: { Self.ledgerPartBytes(in: folder, ranks: world.size) })
                if world.isRoot { summary = try runner.mergeShards(count: world.size, seconds: summary.seconds) }
                // the others wait for rank 0's merge here rather than, unbounded, in MPI_Finalize
                world.barrier(during: "the barrier after rank 0's merge of the ledger parts and run-wide files", allowance: summary.seconds)
                guard world.isRoot else { return }
                CollectiveExit.reached = true
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        progress.log(String(format: "done: %d ok (%d resumed, %d out of domain), %d failed, %d skipped (not images) in %.1f s, %.1f images/s, peak memory %.0f MiB; ledger %@/ledger.jsonl",
                            summary.ok, summary.resumed, summary.outOfDomain, summary.failed, summary.skipped, summary.seconds,
                            summary.imagesPerSecond, peakResidentMB(), output))
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// The total size of the ranks' ledger parts in `folder`: it grows while any rank of a sharded
    /// run records inputs, the progress signal of the barrier at the end of the run.
    static func ledgerPartBytes(in folder: URL, ranks: Int) -> Int {
        (0..<ranks).reduce(0) { total, rank in
            var status = stat()
            let path = folder.appendingPathComponent(RunShard.ledgerName(rank: rank)).path
            return total + (stat(path, &status) == 0 ? Int(status.st_size) : 0)
        }
    }
}
