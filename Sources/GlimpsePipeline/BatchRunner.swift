// BatchRunner: runs a pipeline over scanned inputs with bounded memory and a fixed output.
//
// `jobs` workers each take the next input, read, hash and decode it, gather up to `batch`
// decoded images (fewer once they reach `batchPixels`), run the network stages over the batch
// (`Pipeline.process(batch:)`: one backbone pass over the stacked images, each head stage's
// batched entry point) and write each image's outputs atomically; only `jobs` batches of images
// are in memory at once, and at most `window(jobs:batch:)` small finished entries wait to be
// recorded, so memory does not grow with the input count. Each image's outputs are the same
// bytes whatever `batch` and `jobs` are (tested); a bad image in a batch fails alone.
// Entries are recorded (ledger line, progress) in input order whatever order the workers
// finish in. Outputs depend only on each file's content and
// the pipeline, never on timing, so a run killed anywhere and resumed ends with the same files.
//
// Sharded (`mpirun -np N glimpse run`, docs/distributed.md): every rank scans the same inputs,
// reads and hashes each file, and processes those whose content hash is its rank modulo N,
// recording them in its own ledger part `ledger.rank-R.jsonl`; rank 0 alone holds the folder lock.
// When every rank is done, rank 0 merges the parts in input order (`mergeShards`) and writes the
// run-wide files (COCO, captions.jsonl, report.html) and ledger.jsonl as a single process would.
// `--resume` reads ledger.jsonl and every part, so it finishes what any rank left undone.

import Foundation
import GlimpseFiles
import GlimpseImaging
import GlimpseSerialization
import GlimpseStages
import GlimpseTensor
#if canImport(Glibc)
import Glibc
#endif

/// How a run behaves.
public struct BatchOptions: Sendable {
    /// The output folder (created if missing).
    public var output: URL
    /// Inputs processed at once.
    public var jobs: Int
    /// Images each worker gathers into one batch for the network stages (1: one image at a time).
    /// A batch is also closed once its decoded images reach `batchPixels`.
    public var batch: Int
    /// The decoded pixels at which a worker closes its batch early, so a batch of large photos
    /// holds at most this many pixels plus one image's (see `BatchRunner`).
    public var batchPixels: Int
    /// Whether inputs the ledger records as done (same content hash and pipeline) are skipped.
    public var resume: Bool
    /// This process's part of a sharded run (nil: the whole run).
    public var shard: RunShard?

    /// The default `batchPixels`: 4 Mpixels, sixteen 500 x 500 photos.
    public static let defaultBatchPixels = 4_000_000

    /// Creates options.
    public init(output: URL, jobs: Int, resume: Bool, shard: RunShard? = nil, batch: Int = 1,
                batchPixels: Int = BatchOptions.defaultBatchPixels) {
        precondition(jobs >= 1, "BatchOptions: jobs must be at least 1")
        precondition(batch >= 1 && batchPixels >= 1, "BatchOptions: batch and batchPixels must be at least 1")
        (self.output, self.jobs, self.resume, self.shard) = (output, jobs, resume, shard)
        (self.batch, self.batchPixels) = (batch, batchPixels)
    }
}

/// One rank's part of a sharded run: the images whose content hash is `rank` modulo `count`
/// (and, on rank 0, the inputs that are not images).
public struct RunShard: Sendable, Equatable {
    /// This rank, `0..<count`.
    public var rank: Int
    /// The number of ranks.
    public var count: Int

    /// Creates a shard.
    public init(rank: Int, count: Int) {
        precondition(count >= 1 && rank >= 0 && rank < count, "RunShard: rank \(rank) of \(count)")
        (self.rank, self.count) = (rank, count)
    }

    /// Whether this rank processes the image with content hash `hash`.
    public func owns(hash: UInt64) -> Bool { hash % UInt64(count) == UInt64(rank) }

    /// The ledger part of `rank`.
    public static func ledgerName(rank: Int) -> String { "ledger.rank-\(rank).jsonl" }
}

/// Counts after a run.
public struct RunSummary: Sendable, Equatable {
    /// Inputs found.
    public var total = 0
    /// Processed (including resumed).
    public var ok = 0
    /// Failed.
    public var failed = 0
    /// Not images.
    public var skipped = 0
    /// Reused from an earlier run by `--resume`.
    public var resumed = 0
    /// Processed, but a head stage judged the image out of its domain (counted in `ok` too).
    public var outOfDomain = 0
    /// Seconds from start to the last output.
    public var seconds = 0.0
    /// Images processed (not resumed) per second.
    public var imagesPerSecond: Double { seconds > 0 ? Double(ok - resumed) / seconds : 0 }
}

/// Runs a pipeline over a list of inputs.
public final class BatchRunner: @unchecked Sendable {
    /// The pipeline.
    public let pipeline: Pipeline
    /// The inputs, in output order.
    public let items: [InputItem]
    /// The run's settings.
    public let options: BatchOptions
    private let writer: OutputWriter
    private var previous: [String: LedgerEntry] = [:]

    /// Prepares a run; nothing is read or written until `run`.
    public init(pipeline: Pipeline, items: [InputItem], options: BatchOptions) {
        self.pipeline = pipeline
        self.items = items
        self.options = options
        self.writer = OutputWriter(pipeline: pipeline, output: options.output)
    }

    /// Processes every input; `onEntry` sees each ledger entry in input order with the counts
    /// so far. Throws only when the output folder is locked by another run (`FolderLockError`)
    /// or cannot be written, or the ledger cannot be written; the workers have stopped by then.
    ///
    /// In a sharded run only rank 0 takes the folder lock (and clears stale temporaries); every
    /// rank calls `afterLock` before it writes anything, which is where the ranks wait for rank 0's
    /// lock (a barrier). The summary counts this rank's inputs; see `mergeShards`.
    public func run(afterLock: () -> Void = {}, onEntry: (LedgerEntry, RunSummary) -> Void = { _, _ in }) throws -> RunSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        try Self.createFolder(options.output)
        // One run per output folder, held until this function returns (or the process dies).
        let lead = (options.shard?.rank ?? 0) == 0
        let lock = lead ? try FolderLock(folder: options.output) : nil
        defer { lock?.release() }
        let ledgerURL = options.output.appendingPathComponent(options.shard.map { RunShard.ledgerName(rank: $0.rank) } ?? "ledger.jsonl")
        previous = options.resume ? Self.recordedEntries(in: options.output) : [:]
        if options.resume && lead { Self.removeStaleTemporaries(in: options.output) }
        // a fresh run forgets the parts of an earlier sharded run, as it truncates ledger.jsonl
        if !options.resume && lead { Self.removeLedgerParts(in: options.output) }
        afterLock()
        let ledger = try Ledger(url: ledgerURL, keep: options.resume)

        var summary = RunSummary()
        summary.total = items.count
        var entries = [LedgerEntry?]()
        entries.reserveCapacity(items.count)
        let state = WorkState(count: items.count, window: Self.window(jobs: options.jobs, batch: options.batch))
        let group = DispatchGroup()
        for _ in 0..<min(options.jobs, max(1, items.count)) {
            DispatchQueue.global(qos: .userInitiated).async(group: group) {
                // Decoded images wait here until the batch is full, its pixels reach the cap, or
                // no input is left; inputs that end before decoding (skipped, failed, resumed,
                // another rank's) are recorded at once.
                // A worker holding images never waits for the window: the oldest unrecorded
                // input may be one of its own, so it finishes its batch instead (`take(wait:)`).
                var held = [Decoded]()
                var pixels = 0
                taking: while true {
                    let index: Int
                    switch state.take(wait: held.isEmpty) {
                    case .done:
                        break taking
                    case .full:
                        for (index, entry) in self.finish(held) { state.finish(index, entry) }
                        held.removeAll()
                        pixels = 0
                        continue taking
                    case .index(let taken):
                        index = taken
                    }
                    switch self.prepare(index) {
                    case .finished(let entry):
                        state.finish(index, entry)
                    case .decoded(let decoded):
                        held.append(decoded)
                        pixels += decoded.image.width * decoded.image.height
                        if held.count >= self.options.batch || pixels >= self.options.batchPixels {
                            for (index, entry) in self.finish(held) { state.finish(index, entry) }
                            held.removeAll()
                            pixels = 0
                        }
                    }
                }
                for (index, entry) in self.finish(held) { state.finish(index, entry) }
            }
        }
        // Ledger lines wait until one syncfs covers their outputs (at most every tenth of a second),
        // so a line on disk never names outputs that a power cut could still lose.
        var pending = [LedgerEntry]()
        var lastSync = DispatchTime.now().uptimeNanoseconds
        func flush() throws {
            guard !pending.isEmpty else { return }
            AtomicFile.syncFileSystem(of: options.output)
            try ledger.append(pending)
            pending.removeAll()
            lastSync = DispatchTime.now().uptimeNanoseconds
        }
        for index in 0..<items.count {
            let entry = state.nextInOrder()
            if let entry { pending.append(entry) }
            if DispatchTime.now().uptimeNanoseconds - lastSync > 100_000_000 || index == items.count - 1 {
                do {
                    try flush()
                } catch {
                    // no worker may outlive the run: the process exits soon after this throws
                    state.cancel()
                    group.wait()
                    throw error
                }
            }
            entries.append(entry)
            guard let entry else { continue }  // another rank's input
            switch entry.status {
            case .ok: summary.ok += 1
            case .failed: summary.failed += 1
            case .skipped: summary.skipped += 1
            }
            if entry.resumed == true { summary.resumed += 1 }
            if entry.outOfDomain == true { summary.outOfDomain += 1 }
            summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            onEntry(entry, summary)
        }
        group.wait()
        if options.shard == nil {
            try writer.writeRunOutputs(items: items, entries: entries.map { $0! })
            try ledger.rewrite(entries.map { $0! })
            Self.removeLedgerParts(in: options.output)
        } else {
            try ledger.rewrite(entries.compactMap { $0 })
            AtomicFile.syncFileSystem(of: options.output)
        }
        summary.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return summary
    }

    /// Rank 0 of a sharded run of `count` ranks, once every rank's `run` has returned: reads the
    /// ranks' ledger parts, writes the run-wide files and ledger.jsonl from them in input order
    /// (what a single process writes), removes the parts and returns the whole run's counts.
    /// Throws when a part lacks an input (a rank did not finish) or a file cannot be written.
    public func mergeShards(count: Int, seconds: Double) throws -> RunSummary {
        var recorded = [String: LedgerEntry]()
        for rank in 0..<count {
            let part = Ledger.read(options.output.appendingPathComponent(RunShard.ledgerName(rank: rank)))
            recorded.merge(part) { _, new in new }
        }
        var entries = [LedgerEntry]()
        var summary = RunSummary()
        summary.total = items.count
        for item in items {
            guard let entry = recorded[item.path] else {
                throw ShardMergeError(output: options.output.path, input: item.path)
            }
            entries.append(entry)
            switch entry.status {
            case .ok: summary.ok += 1
            case .failed: summary.failed += 1
            case .skipped: summary.skipped += 1
            }
            if entry.resumed == true { summary.resumed += 1 }
            if entry.outOfDomain == true { summary.outOfDomain += 1 }
        }
        try writer.writeRunOutputs(items: items, entries: entries)
        try Ledger(url: options.output.appendingPathComponent("ledger.jsonl"), keep: false).rewrite(entries)
        Self.removeLedgerParts(in: options.output)
        summary.seconds = seconds
        return summary
    }

    /// What earlier runs recorded: ledger.jsonl, then every rank's part over it (the parts are
    /// newer: a merge removes them), by input path.
    static func recordedEntries(in folder: URL) -> [String: LedgerEntry] {
        var entries = Ledger.read(folder.appendingPathComponent("ledger.jsonl"))
        for name in ledgerPartNames(in: folder) {
            entries.merge(Ledger.read(folder.appendingPathComponent(name))) { _, part in part }
        }
        return entries
    }

    /// The ledger parts of sharded runs in `folder`, sorted.
    static func ledgerPartNames(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("ledger.rank-") && $0.hasSuffix(".jsonl") }.sorted()
    }

    /// Removes the ledger parts once ledger.jsonl holds their entries.
    static func removeLedgerParts(in folder: URL) {
        for name in ledgerPartNames(in: folder) { unlink(folder.appendingPathComponent(name).path) }
    }

    /// How many inputs may be between taken and recorded. Only `jobs` batches of them hold
    /// images (the ones being gathered or worked on); the rest are finished ledger entries of a
    /// few hundred bytes waiting for their turn, so a wide window costs no memory worth counting
    /// while it keeps the workers busy through a slow `syncfs` on the recording thread. It is
    /// at least twice what the workers can hold, so a worker filling its batch never waits for
    /// an input another worker holds.
    static func window(jobs: Int, batch: Int = 1) -> Int { max(64, 2 * batch) * jobs }

    /// Creates `folder` and the folders above it as needed; throws `AtomicFileError` naming it
    /// and the system's reason ("create folder: Not a directory" when a file is in the way).
    static func createFolder(_ folder: URL) throws {
        var path = ""
        for component in folder.standardizedFileURL.path.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) == 0 { continue }
            let code = errno
            var info = stat()
            guard code == EEXIST, stat(path, &info) == 0 else { throw AtomicFileError(path: folder.path, operation: "create folder", code: code) }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw AtomicFileError(path: folder.path, operation: "create folder", code: path == folder.standardizedFileURL.path ? EEXIST : ENOTDIR)
            }
        }
    }

    /// Deletes the temporary files an atomic write leaves behind when the process is killed
    /// between creating and renaming them: regular files whose names are exactly AtomicFile's
    /// (`.NAME.tmp-PID-RANDOM.glimpse`) and whose writer is no longer alive. Nothing else, and
    /// no folder, is removed; symbolic links are neither followed nor removed.
    static func removeStaleTemporaries(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names {
            let path = folder.path + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                removeStaleTemporaries(in: URL(fileURLWithPath: path))
            case S_IFREG:
                // a live writer (another glimpse command writing here) keeps its file
                if let owner = AtomicFile.temporaryNameOwner(name), owner == getpid() || (kill(owner, 0) != 0 && errno == ESRCH) {
                    unlink(path)
                }
            default:
                continue
            }
        }
    }

    /// An input read and decoded, waiting for its batch: its entry so far (read and decoder
    /// timings, hash) and the image.
    private struct Decoded {
        var index: Int
        var entry: LedgerEntry
        var image: Image
        var hash: UInt64
    }

    /// What reading and decoding an input gave: its final entry (nil: another rank's input), or
    /// a decoded image for the network stages.
    private enum Prepared {
        case finished(LedgerEntry?)
        case decoded(Decoded)
    }

    /// One input read, hashed and decoded; never throws: every problem becomes a failed entry.
    /// Finished at once when the input is not an image, cannot be read or decoded, is reused by
    /// `--resume`, or belongs to another rank of a sharded run (nil entry).
    private func prepare(_ index: Int) -> Prepared {
        let item = items[index]
        if let shard = options.shard, shard.rank != 0, item.kind != .image { return .finished(nil) }
        var entry = LedgerEntry(path: item.path, output: item.stem, hash: "", pipeline: pipeline.file.fingerprint,
                                status: .failed, error: nil, timings: [:], resumed: nil)
        switch item.kind {
        case .notImage:
            entry.status = .skipped
            entry.error = "not an image: the content is not a format the decoder reads"
            return .finished(entry)
        case .unreadable(let reason):
            entry.error = "\(item.path): \(reason)"
            return .finished(entry)
        case .image:
            break
        }
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap(_ stage: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            entry.timings[stage] = Double(now - clock) / 1e6
            clock = now
        }
        do {
            let bytes = try ImageFile.bytes(of: item.path)
            let hash = ContentHash.fnv1a64(bytes)
            entry.hash = ContentHash.hex(hash)
            if let shard = options.shard, !shard.owns(hash: hash) { return .finished(nil) }
            lap("read")
            if options.resume, let done = previous[item.path], done.status == .ok, done.hash == entry.hash,
               done.pipeline == entry.pipeline, done.output == item.stem, writer.outputsExist(stem: item.stem) {
                var reused = done
                reused.resumed = true
                return .finished(reused)
            }
            let image = try pipeline.decoder.decode(bytes, file: item.path)
            lap("decoder")
            return .decoded(Decoded(index: index, entry: entry, image: image, hash: hash))
        } catch {
            entry.error = "\(error)"
            return .finished(entry)
        }
    }

    /// The network stages over a batch of decoded inputs (`Pipeline.process(batch:)`), then each
    /// image's outputs written; an image counts as done (status ok) only once its outputs are
    /// written. A stage or write that fails for one image fails that image alone.
    private func finish(_ batch: [Decoded]) -> [(index: Int, entry: LedgerEntry)] {
        guard !batch.isEmpty else { return [] }
        let outcomes = pipeline.process(batch: batch.map { decoded in
            Pipeline.BatchImage(image: decoded.image, input: items[decoded.index].path, seed: decoded.hash,
                                labelMapPath: writer.labelMapName(stem: items[decoded.index].stem))
        })
        return zip(batch, outcomes).map { decoded, outcome in
            var entry = decoded.entry
            do {
                let outcome = try outcome.get()
                for (stage, milliseconds) in outcome.timings { entry.timings[stage] = milliseconds }
                let start = DispatchTime.now().uptimeNanoseconds
                try writer.writeImageOutputs(outcome, stem: items[decoded.index].stem)
                entry.timings["write"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                entry.status = .ok
                if outcome.result.outOfDomain != nil { entry.outOfDomain = true }
            } catch {
                entry.error = "\(error)"
            }
            return (decoded.index, entry)
        }
    }
}

/// The shared queue of work between the workers and the recorder.
private final class WorkState: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private let window: Int
    private var next = 0
    private var recorded = 0
    private var finished = [Int: LedgerEntry?]()

    init(count: Int, window: Int) {
        (self.count, self.window) = (count, window)
    }

    /// Hands out no more indices: workers finish the input in hand and stop.
    func cancel() {
        condition.lock()
        next = count
        condition.broadcast()
        condition.unlock()
    }

    /// What `take(wait:)` gives.
    enum Taken {
        /// The next index to process.
        case index(Int)
        /// Too many are in flight and the caller asked not to wait.
        case full
        /// None remain.
        case done
    }

    /// The next index to process; while too many are in flight it waits, or with `wait` false
    /// returns `.full` (a worker holding a partial batch must finish it rather than wait: the
    /// input the window waits for may be in that batch).
    func take(wait: Bool) -> Taken {
        condition.lock()
        defer { condition.unlock() }
        while next < count && next >= recorded + window {
            if !wait { return .full }
            condition.wait()
        }
        guard next < count else { return .done }
        next += 1
        return .index(next - 1)
    }

    /// Hands back a finished entry.
    func finish(_ index: Int, _ entry: LedgerEntry?) {
        condition.lock()
        finished[index] = .some(entry)  // present even when nil (another rank's input)
        condition.broadcast()
        condition.unlock()
    }

    /// The entry of the next index in order, waiting for it.
    func nextInOrder() -> LedgerEntry? {
        condition.lock()
        defer { condition.unlock() }
        while finished.index(forKey: recorded) == nil { condition.wait() }
        let entry = finished.removeValue(forKey: recorded)!
        recorded += 1
        condition.broadcast()
        return entry
    }
}

/// A sharded run's merge found an input that no rank's ledger part records.
public struct ShardMergeError: Error, CustomStringConvertible {
    /// The output folder.
    public var output: String
    /// The input no part records.
    public var input: String
    /// "OUTPUT: no rank's ledger part records INPUT ...".
    public var description: String {
        "\(output): no rank's ledger part records \(input) (a rank stopped early; run again with --resume)"
    }
}
