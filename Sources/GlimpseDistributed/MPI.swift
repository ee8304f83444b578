// MPI: the one file that imports Open MPI (module CMPI), behind a small safe API: the rank and
// size of the job, broadcast of Float and byte buffers, a sum of Float buffers over the ranks in a
// fixed order, barrier, abort with a message, finalize.
//
// MPI starts only when the process was launched by `mpirun` (Open MPI exports
// OMPI_COMM_WORLD_SIZE to every rank; a PMIx launcher such as Slurm's srun exports PMIX_RANK):
// a plain `glimpse` never calls MPI_Init, because a singleton init spawns Open MPI's daemons and
// takes a second or more. Without a launcher `Communicator.world` is nil and every caller runs as
// one process, exactly as before.
//
// Reduction order: MPI_Allreduce may add the ranks' contributions in any order its algorithm
// picks (ring, recursive doubling, ... chosen by message size and rank count), so floating-point
// sums can differ between algorithms and, in principle, between ranks. `sumInRankOrder` instead
// gathers every rank's bucket on rank 0, adds them there in rank order 0, 1, ..., N-1, and
// broadcasts the sum: every rank receives the same bits, and two runs with the same rank count
// add in the same order. It costs a gather into one rank (N-1 messages through rank 0's link)
// rather than a bandwidth-optimal ring; docs/distributed.md models both.
//
// Bounded waits: a blocking MPI call waits forever for a rank that is alive but stuck (an
// infinite loop, a hung file system). Every collective here is built from nonblocking calls
// polled against a deadline instead: the ranks' parts travel to rank 0 as one MPI_Isend /
// MPI_Irecv per rank (the arrival), then rank 0's result goes out with MPI_Ibcast (the release).
// Rank 0 therefore knows exactly which ranks have not arrived; when the deadline (`timeout`
// seconds, GLIMPSE_MPI_TIMEOUT, plus any allowance the caller gives for work rank 0 does alone)
// passes, it aborts the job naming them and the collective ("no reply from rank 1 within 600 s
// at the barrier before the gradient sum of step 12"). The other ranks wait `graceSeconds`
// longer, so rank 0's diagnosis comes first; if rank 0 itself is stuck they name rank 0.
// Polling spins (MPI_Test and sched_yield) for the first `spinSeconds`, so a step's sum is as
// quick as a blocking call, then sleeps between tests, up to 2 ms, so a waiting rank leaves the
// core to others.
//
// Test hook: GLIMPSE_MPI_TEST_STALL=R:K makes rank R sleep forever when it enters its K-th
// collective (counted from 1), the stuck rank of the failure tests (docs/distributed.md).

import CMPI
import Foundation

/// The processes of an `mpirun` job (MPI_COMM_WORLD), or nil when not launched by one.
public final class Communicator: @unchecked Sendable {
    /// This process's rank, `0..<size`.
    public let rank: Int
    /// The number of processes in the job.
    public let size: Int
    /// The number of processes of this job on this machine (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE; 1 if unknown).
    public let localSize: Int
    /// Seconds a collective waits for the other ranks before it ends the job (GLIMPSE_MPI_TIMEOUT).
    public let timeout: Double
    /// Floats per gather in `sumInRankOrder` (4 MiB): rank 0 holds `size` times this at once.
    public static let bucketFloats = 1 << 20
    /// The environment variable that sets `timeout`, in seconds.
    public static let timeoutVariable = "GLIMPSE_MPI_TIMEOUT"
    /// `timeout` without GLIMPSE_MPI_TIMEOUT: ten minutes, far above any step's skew between ranks
    /// (milliseconds) or the ranks' different times to load the same data at the start.
    public static let defaultTimeout: Double = 600
    /// The test hook's environment variable (`R:K`: rank R stalls in its K-th collective).
    public static let stallVariable = "GLIMPSE_MPI_TEST_STALL"
    /// Seconds of busy polling before a wait starts to sleep between tests.
    static let spinSeconds = 0.005

    /// Collectives entered so far (for the test hook).
    private var collectives = 0
    /// The collective (counted from 1) in which the test hook stalls this rank, if any.
    private let stallAt: Int?

    private init(rank: Int, size: Int, localSize: Int, timeout: Double, stallAt: Int?) {
        self.rank = rank
        self.size = size
        self.localSize = localSize
        self.timeout = timeout
        self.stallAt = stallAt
    }

    /// True when the environment says a launcher started this process as one rank of a job.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// The outcome of starting MPI, once per process.
    private static let started: Result<Communicator?, CommunicatorError> = {
        do throws(CommunicatorError) { return .success(try initialise()) } catch { return .failure(error) }
    }()

    /// Starts MPI when `launchedByMPI` (MPI_Init_thread) and returns MPI_COMM_WORLD; nil without
    /// a launcher. Throws when MPI does not start or a GLIMPSE_MPI_ variable is malformed.
    public static func start() throws(CommunicatorError) -> Communicator? {
        try started.get()
    }

    /// MPI_COMM_WORLD once `start()` has succeeded (it starts MPI on first use); nil without a
    /// launcher or when MPI failed to start.
    public static var world: Communicator? { try? started.get() }

    /// The job's size, 1 without a launcher.
    public static var worldSize: Int { world?.size ?? 1 }

    /// This process's rank, 0 without a launcher.
    public static var worldRank: Int { world?.rank ?? 0 }

    private static func initialise() throws(CommunicatorError) -> Communicator? {
        guard launchedByMPI else { return nil }
        let environment = ProcessInfo.processInfo.environment
        var timeout = defaultTimeout
        if let text = environment[timeoutVariable] {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw .badSetting(variable: timeoutVariable, value: text, expected: "a number of seconds above 0")
            }
            timeout = value
        }
        var provided: Int32 = 0
        // FUNNELED: only the thread that initialised MPI calls it; the compute workers never do.
        let status = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        guard status == MPI_SUCCESS else { throw .initFailed(status: status, reason: errorString(status)) }
        guard provided >= Int32(MPI_THREAD_FUNNELED) else { throw .threadSupport(provided: provided) }
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(glimpse_mpi_comm_world(), &rank)
        MPI_Comm_size(glimpse_mpi_comm_world(), &size)
        let localSize = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
        var stallAt: Int?
        if let text = environment[stallVariable] {
            let parts = text.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let stallRank = parts[0], let index = parts[1], index >= 1 else {
                throw .badSetting(variable: stallVariable, value: text, expected: "RANK:K (rank RANK stalls in its K-th collective, K >= 1)")
            }
            if stallRank == Int(rank) { stallAt = index }
        }
        return Communicator(rank: Int(rank), size: Int(size), localSize: max(1, localSize), timeout: timeout, stallAt: stallAt)
    }

    /// Open MPI's text for an error code.
    private static func errorString(_ status: Int32) -> String {
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(status, &text, &length) == MPI_SUCCESS else { return "unknown error" }
        return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Rank 0 writes the job's files and prints its progress.
    public var isRoot: Bool { rank == 0 }

    /// Seconds the ranks other than 0 wait beyond rank 0's deadline, so that rank 0, which knows
    /// who has not arrived, reports first.
    public var graceSeconds: Double { max(5, 0.1 * timeout) }

    // MARK: - Collectives

    /// Replaces `buffer` on every rank by `root`'s. Every rank must pass the same count.
    /// `phase` names the collective in a timeout's message ("the start: rank 0's weights").
    public func broadcast(_ buffer: inout [Float], from root: Int = 0, during phase: String) {
        precondition(root >= 0 && root < size, "MPI: broadcast root \(root) of \(size) ranks")
        let deadline = enter(phase, allowance: 0)
        buffer.withUnsafeMutableBufferPointer { pointer in
            release(pointer.baseAddress, count: pointer.count, type: glimpse_mpi_float(), stride: 4, from: root, deadline: deadline)
        }
    }

    /// Replaces `words` on every rank by `root`'s. Every rank must pass the same count.
    public func broadcast(_ words: inout [UInt64], from root: Int = 0, during phase: String) {
        precondition(root >= 0 && root < size, "MPI: broadcast root \(root) of \(size) ranks")
        let deadline = enter(phase, allowance: 0)
        words.withUnsafeMutableBufferPointer { pointer in
            release(pointer.baseAddress, count: pointer.count, type: glimpse_mpi_uint64(), stride: 8, from: root, deadline: deadline)
        }
    }

    /// Replaces `bytes` on every rank by `root`'s, whatever their length on the other ranks.
    public func broadcast(_ bytes: inout [UInt8], from root: Int = 0, during phase: String) {
        var length = [UInt64(bytes.count)]
        broadcast(&length, from: root, during: phase)
        let count = Int(length[0])
        if rank != root { bytes = [UInt8](repeating: 0, count: count) }
        let deadline = Deadline(phase: phase, start: Self.now(), seconds: timeout + (rank == root ? 0 : graceSeconds), progress: nil)
        bytes.withUnsafeMutableBufferPointer { pointer in
            release(pointer.baseAddress, count: count, type: glimpse_mpi_byte(), stride: 1, from: root, deadline: deadline)
        }
    }

    /// Replaces `buffer` on every rank by the element-wise sum of every rank's `buffer`, added in
    /// rank order (((b0 + b1) + b2) + ...) on rank 0 and broadcast, bucket by bucket in index
    /// order, so every rank gets the same bits. Every rank must pass the same count.
    public func sumInRankOrder(_ buffer: inout [Float], during phase: String) {
        let deadline = enter(phase, allowance: 0)
        let total = buffer.count
        var gathered = isRoot ? [Float](repeating: 0, count: size * min(total, Self.bucketFloats)) : []
        var start = 0
        while start < total {
            let count = min(Self.bucketFloats, total - start)
            buffer.withUnsafeMutableBufferPointer { own in
                gathered.withUnsafeMutableBufferPointer { all in
                    arrive(own.baseAddress! + start, count: count, type: glimpse_mpi_float(), into: all.baseAddress, stride: 4, deadline: deadline)
                    if isRoot {
                        // rank by rank, so each pass streams through memory; every element still
                        // gets (((b0 + b1) + b2) + ...)
                        for index in 0..<count { own[start + index] = all[index] }
                        for source in 1..<size {
                            let offset = source * count
                            for index in 0..<count { own[start + index] += all[offset + index] }
                        }
                    }
                    release(own.baseAddress! + start, count: count, type: glimpse_mpi_float(), stride: 4, from: 0, deadline: deadline)
                }
            }
            start += count
        }
    }

    /// Every rank's `part` on rank 0, in rank order (the parts may differ in length); the other
    /// ranks get an empty list once theirs is sent.
    public func gather(_ part: [Float], during phase: String) -> [[Float]] {
        let deadline = enter(phase, allowance: 0)
        precondition(part.count <= Int(Int32.max), "MPI: a part of \(part.count) floats")
        var length = [UInt64(part.count)]
        var lengths = [UInt64](repeating: 0, count: isRoot ? size : 0)
        length.withUnsafeMutableBufferPointer { own in
            lengths.withUnsafeMutableBufferPointer { all in
                arrive(own.baseAddress!, count: 1, type: glimpse_mpi_uint64(), into: all.baseAddress, stride: 8, deadline: deadline)
            }
        }
        guard isRoot else {
            var request: [MPI_Request?] = [glimpse_mpi_request_null()]
            part.withUnsafeBufferPointer { values in
                check(MPI_Isend(values.baseAddress, Int32(part.count), glimpse_mpi_float(), 0, Self.tag, glimpse_mpi_comm_world(), &request[0]),
                      "MPI_Isend")
                wait(&request, ranks: [0], exact: true, deadline: deadline)
            }
            return []
        }
        let counts = lengths.map { Int($0) }
        precondition(counts.allSatisfy { $0 <= Int(Int32.max) }, "MPI: parts of \(counts) floats")
        var flat = [Float](repeating: 0, count: max(1, counts.reduce(0, +)))  // never empty: its address is used
        let starts = counts.indices.map { counts[..<$0].reduce(0, +) }
        flat.withUnsafeMutableBufferPointer { all in
            var requests = [MPI_Request?](repeating: glimpse_mpi_request_null(), count: size - 1)
            for source in 1..<size {
                check(MPI_Irecv(all.baseAddress! + starts[source], Int32(counts[source]), glimpse_mpi_float(), Int32(source), Self.tag,
                                glimpse_mpi_comm_world(), &requests[source - 1]), "MPI_Irecv")
            }
            wait(&requests, ranks: Array(1..<size), exact: true, deadline: deadline)
        }
        return [part] + (1..<size).map { Array(flat[starts[$0]..<(starts[$0] + counts[$0])]) }
    }

    /// The largest of every rank's `value` (exact for integers).
    public func maximum(_ value: Int32, during phase: String) -> Int32 {
        let deadline = enter(phase, allowance: 0)
        var own = [value]
        var all = [Int32](repeating: 0, count: isRoot ? size : 0)
        own.withUnsafeMutableBufferPointer { mine in
            all.withUnsafeMutableBufferPointer { gathered in
                arrive(mine.baseAddress!, count: 1, type: glimpse_mpi_int(), into: gathered.baseAddress, stride: 4, deadline: deadline)
                if isRoot { mine[0] = gathered.max()! }
                release(mine.baseAddress, count: 1, type: glimpse_mpi_int(), stride: 4, from: 0, deadline: deadline)
            }
        }
        return own[0]
    }

    /// Waits until every rank has called it, at most `timeout + allowance` seconds (rank 0's
    /// deadline; the others add `graceSeconds`). `allowance` covers work that rank 0 does alone
    /// while the others wait here (validation, a checkpoint). `progress`, when given, is a
    /// signature of the job's progress that every rank can read (the sizes of the ledger parts a
    /// sharded run appends to): it is read about once a second, and a change restarts the clock,
    /// so the deadline bounds silence rather than the whole wait.
    public func barrier(during phase: String, allowance: Double = 0, progress: (() -> Int)? = nil) {
        var deadline = enter(phase, allowance: allowance)
        deadline.progress = progress
        var token: [UInt8] = [1]
        var tokens = [UInt8](repeating: 0, count: isRoot ? size : 0)
        token.withUnsafeMutableBufferPointer { mine in
            tokens.withUnsafeMutableBufferPointer { all in
                arrive(mine.baseAddress!, count: 1, type: glimpse_mpi_byte(), into: all.baseAddress, stride: 1, deadline: deadline)
                release(mine.baseAddress, count: 1, type: glimpse_mpi_byte(), stride: 1, from: 0, deadline: deadline)
            }
        }
    }

    /// Prints `message` to standard error prefixed with this rank, then ends every rank of the
    /// job with exit status `code` (MPI_Abort: mpirun kills the others and reports the rank).
    public func abort(message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("rank \(rank) of \(size): \(message)\n".utf8))
        MPI_Abort(glimpse_mpi_comm_world(), code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker
    }

    /// Ends MPI at a normal exit (every rank must call it before exiting with status 0).
    public func finalize() {
        MPI_Finalize()
    }

    // MARK: - Waiting with a deadline

    /// When a collective gives up, and what it is called in the message.
    private struct Deadline {
        var phase: String
        var start: Double
        var seconds: Double
        var progress: (() -> Int)?
    }

    /// Monotonic seconds.
    private static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    /// Counts a collective (stalling here forever if the test hook names it) and starts its clock:
    /// `timeout + allowance` on rank 0, `graceSeconds` more on the others.
    private func enter(_ phase: String, allowance: Double) -> Deadline {
        collectives += 1
        if let stallAt, stallAt == collectives {
            FileHandle.standardError.write(Data("rank \(rank) of \(size): \(Self.stallVariable): stalling in collective \(collectives) (\(phase))\n".utf8))
            while true { sleep(3600) }
        }
        return Deadline(phase: phase, start: Self.now(), seconds: timeout + max(0, allowance) + (isRoot ? 0 : graceSeconds), progress: nil)
    }

    /// The arrival: every rank other than 0 sends `count` elements at `own` to rank 0, which
    /// receives rank r's at `gathered + r * count * stride` bytes and copies its own to slot 0.
    private func arrive(_ own: UnsafeMutableRawPointer, count: Int, type: MPI_Datatype, into gathered: UnsafeMutableRawPointer?,
                        stride: Int, deadline: Deadline) {
        precondition(count <= Int(Int32.max), "MPI: a part of \(count) elements")
        if isRoot {
            let slots = gathered!
            slots.copyMemory(from: own, byteCount: count * stride)
            var requests = [MPI_Request?](repeating: glimpse_mpi_request_null(), count: size - 1)
            for source in 1..<size {
                check(MPI_Irecv(slots + source * count * stride, Int32(count), type, Int32(source), Self.tag, glimpse_mpi_comm_world(),
                                &requests[source - 1]), "MPI_Irecv")
            }
            wait(&requests, ranks: Array(1..<size), exact: true, deadline: deadline)
        } else {
            var request: [MPI_Request?] = [glimpse_mpi_request_null()]
            check(MPI_Isend(own, Int32(count), type, 0, Self.tag, glimpse_mpi_comm_world(), &request[0]), "MPI_Isend")
            wait(&request, ranks: [0], exact: true, deadline: deadline)
        }
    }

    /// The release: `root`'s `count` elements at `buffer` replace every other rank's
    /// (MPI_Ibcast), in chunks of at most Int32.max elements.
    private func release(_ buffer: UnsafeMutableRawPointer?, count: Int, type: MPI_Datatype, stride: Int, from root: Int,
                         deadline: Deadline) {
        var offset = 0
        while offset < count {
            let chunk = min(Int(Int32.max), count - offset)
            var request: [MPI_Request?] = [glimpse_mpi_request_null()]
            check(MPI_Ibcast(buffer! + offset * stride, Int32(chunk), type, Int32(root), glimpse_mpi_comm_world(), &request[0]), "MPI_Ibcast")
            // the root cannot tell which rank a broadcast waits for; the others wait for the root
            let others = (0..<size).filter { $0 != root }
            wait(&request, ranks: rank == root ? others : [root], exact: rank != root || others.count == 1, deadline: deadline)
            offset += chunk
        }
    }

    /// The tag of the arrival messages (collectives run in the same order on every rank, and MPI
    /// keeps the order of messages between two ranks, so one tag suffices).
    private static let tag: Int32 = 0x676c

    /// Tests `requests` until all have completed; past the deadline, aborts the job naming the
    /// ranks whose requests have not. With `exact`, request i waits on `ranks[i]` alone; without,
    /// the one request waits on some of `ranks` (a broadcast's root cannot tell which).
    private func wait(_ requests: inout [MPI_Request?], ranks: [Int], exact: Bool, deadline: Deadline) {
        var done = [Bool](repeating: false, count: requests.count)
        var start = deadline.start
        let waitStart = Self.now()
        var lastSignature = deadline.progress?()
        var lastProbe = Self.now()
        var pause: useconds_t = 50
        while true {
            for index in requests.indices where !done[index] {
                var flag: Int32 = 0
                check(MPI_Test(&requests[index], &flag, glimpse_mpi_status_ignore()), "MPI_Test")
                if flag != 0 { done[index] = true }
            }
            if !done.contains(false) { return }
            let time = Self.now()
            if let probe = deadline.progress, time - lastProbe >= 1 {
                lastProbe = time
                let signature = probe()
                if signature != lastSignature {
                    lastSignature = signature
                    start = time
                }
            }
            if time - start > deadline.seconds {
                let missing = exact ? zip(ranks, done).filter { !$0.1 }.map(\.0) : ranks
                let list = missing.map(String.init).joined(separator: ", ")
                let who = missing.count == 1 ? "rank \(list)" : (exact ? "ranks \(list)" : "one of ranks \(list)")
                let note = !isRoot && missing == [0] ? " (rank 0 gathers every rank's part: it may itself be waiting for another rank)" : ""
                abort(message: "no reply from \(who) within \(Int(deadline.seconds.rounded())) s in \(deadline.phase)\(note); "
                               + "ending the job (\(Self.timeoutVariable) sets the timeout, now \(Int(timeout.rounded())) s)",
                      code: 1)
            }
            if time - waitStart < Self.spinSeconds {
                sched_yield()
            } else {
                usleep(pause)
                pause = min(2000, pause * 2)
            }
        }
    }

    /// MPI's default error handler aborts the job on failure, so a status other than success here
    /// means a broken MPI installation: stop with the call's name.
    private func check(_ status: Int32, _ call: String) {
        precondition(status == MPI_SUCCESS, "MPI: \(call) failed with status \(status) on rank \(rank)")
    }
}
