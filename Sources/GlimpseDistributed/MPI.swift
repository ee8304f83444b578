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
    /// Floats per gather in `sumInRankOrder` (4 MiB): rank 0 holds `size` times this at once.
    public static let bucketFloats = 1 << 20

    private init(rank: Int, size: Int, localSize: Int) {
        self.rank = rank
        self.size = size
        self.localSize = localSize
    }

    /// True when the environment says a launcher started this process as one rank of a job.
    public static var launchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// MPI_COMM_WORLD, initialised on first use when `launchedByMPI`; nil otherwise.
    public static let world: Communicator? = {
        guard launchedByMPI else { return nil }
        var provided: Int32 = 0
        // FUNNELED: only the thread that initialised MPI calls it; the compute workers never do.
        let status = MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        precondition(status == MPI_SUCCESS, "MPI: MPI_Init_thread failed with status \(status)")
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(glimpse_mpi_comm_world(), &rank)
        MPI_Comm_size(glimpse_mpi_comm_world(), &size)
        let localSize = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
        return Communicator(rank: Int(rank), size: Int(size), localSize: max(1, localSize))
    }()

    /// The job's size, 1 without a launcher.
    public static var worldSize: Int { world?.size ?? 1 }

    /// This process's rank, 0 without a launcher.
    public static var worldRank: Int { world?.rank ?? 0 }

    /// Rank 0 writes the job's files and prints its progress.
    public var isRoot: Bool { rank == 0 }

    /// Replaces `buffer` on every rank by `root`'s. Every rank must pass the same count.
    public func broadcast(_ buffer: inout [Float], from root: Int = 0) {
        precondition(root >= 0 && root < size, "MPI: broadcast root \(root) of \(size) ranks")
        buffer.withUnsafeMutableBufferPointer { pointer in
            var offset = 0
            while offset < pointer.count {
                let count = min(Int(Int32.max), pointer.count - offset)
                check(MPI_Bcast(pointer.baseAddress! + offset, Int32(count), glimpse_mpi_float(), Int32(root), glimpse_mpi_comm_world()),
                      "MPI_Bcast")
                offset += count
            }
        }
    }

    /// Replaces `words` on every rank by `root`'s. Every rank must pass the same count.
    public func broadcast(_ words: inout [UInt64], from root: Int = 0) {
        precondition(root >= 0 && root < size, "MPI: broadcast root \(root) of \(size) ranks")
        precondition(words.count <= Int(Int32.max), "MPI: broadcast of \(words.count) words")
        words.withUnsafeMutableBufferPointer { pointer in
            check(MPI_Bcast(pointer.baseAddress, Int32(pointer.count), glimpse_mpi_uint64(), Int32(root), glimpse_mpi_comm_world()),
                  "MPI_Bcast")
        }
    }

    /// Replaces `bytes` on every rank by `root`'s, whatever their length on the other ranks.
    public func broadcast(_ bytes: inout [UInt8], from root: Int = 0) {
        var length = [UInt64(bytes.count)]
        broadcast(&length, from: root)
        let count = Int(length[0])
        if rank != root { bytes = [UInt8](repeating: 0, count: count) }
        bytes.withUnsafeMutableBufferPointer { pointer in
            var offset = 0
            while offset < count {
                let chunk = min(Int(Int32.max), count - offset)
                check(MPI_Bcast(pointer.baseAddress! + offset, Int32(chunk), glimpse_mpi_byte(), Int32(root), glimpse_mpi_comm_world()),
                      "MPI_Bcast")
                offset += chunk
            }
        }
    }

    /// Replaces `buffer` on every rank by the element-wise sum of every rank's `buffer`, added in
    /// rank order (((b0 + b1) + b2) + ...) on rank 0 and broadcast, bucket by bucket in index
    /// order, so every rank gets the same bits. Every rank must pass the same count.
    public func sumInRankOrder(_ buffer: inout [Float]) {
        let total = buffer.count
        var gathered = isRoot ? [Float](repeating: 0, count: size * min(total, Self.bucketFloats)) : []
        var start = 0
        while start < total {
            let count = min(Self.bucketFloats, total - start)
            buffer.withUnsafeMutableBufferPointer { own in
                gathered.withUnsafeMutableBufferPointer { all in
                    check(MPI_Gather(own.baseAddress! + start, Int32(count), glimpse_mpi_float(),
                                     all.baseAddress, Int32(count), glimpse_mpi_float(), 0, glimpse_mpi_comm_world()),
                          "MPI_Gather")
                    if isRoot {
                        // rank by rank, so each pass streams through memory; every element still
                        // gets (((b0 + b1) + b2) + ...)
                        for index in 0..<count { own[start + index] = all[index] }
                        for source in 1..<size {
                            let offset = source * count
                            for index in 0..<count { own[start + index] += all[offset + index] }
                        }
                    }
                    check(MPI_Bcast(own.baseAddress! + start, Int32(count), glimpse_mpi_float(), 0, glimpse_mpi_comm_world()),
                          "MPI_Bcast")
                }
            }
            start += count
        }
    }

    /// The largest of every rank's `value` (MPI_Allreduce with MPI_MAX, exact for integers).
    public func maximum(_ value: Int32) -> Int32 {
        var input = value, output: Int32 = 0
        check(MPI_Allreduce(&input, &output, 1, glimpse_mpi_int(), glimpse_mpi_max(), glimpse_mpi_comm_world()), "MPI_Allreduce")
        return output
    }

    /// Waits until every rank has called it.
    public func barrier() {
        check(MPI_Barrier(glimpse_mpi_comm_world()), "MPI_Barrier")
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

    /// MPI's default error handler aborts the job on failure, so a status other than success here
    /// means a broken MPI installation: stop with the call's name.
    private func check(_ status: Int32, _ call: String) {
        precondition(status == MPI_SUCCESS, "MPI: \(call) failed with status \(status) on rank \(rank)")
    }
}
