// Parallel: how Glimpse uses the cores.
//
// One level of parallelism at a time: kernels split a batch across `Compute.threads`
// workers with `concurrentPerform`, and OpenBLAS runs single-threaded inside each
// worker's GEMMs. `Compute.setThreads` keeps the two settings consistent.

import Foundation
import Synchronization
#if canImport(Glibc)
import CMalloc
#endif

/// Process-wide compute settings: the number of worker threads.
public enum Compute {
    private static let threadCount = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)

    /// The number of workers kernels split their work across (default: all cores).
    public static var threads: Int { threadCount.load(ordering: .relaxed) }

    /// Sets the number of workers; OpenBLAS is set to one thread so the two never compete.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "Compute.setThreads: need at least one thread")
        threadCount.store(count, ordering: .relaxed)
        BLAS.setThreads(1)
    }

    /// Tunes the process for numeric work; call once at start-up, before the first large allocation.
    ///
    /// glibc serves allocations above its mmap threshold (128 KiB at first) with fresh mappings
    /// that are page-faulted and zeroed on every use; a training step allocates and frees tens of
    /// megabytes of activations, so that costs more time than the ReLUs themselves. Raising the
    /// thresholds keeps freed activation buffers in the heap for reuse.
    public static func configureAllocator() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 512 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1024 << 20)
        #endif
    }

    /// Chunks per thread when work is split: more chunks than threads let a thread that the
    /// machine slowed down (a shared, virtualised CPU) fall behind without holding up the rest.
    static let chunksPerThread = 4

    /// Runs `body(chunk, range)` over `0..<count` split into contiguous chunks, on at most
    /// `Compute.threads` threads, each taking the next unstarted chunk.
    ///
    /// The split depends only on `count` and the chunk count, never on which thread ran which
    /// chunk, so results reduced per chunk and then summed in chunk order are reproducible
    /// for a given thread count.
    ///
    /// - Parameter chunks: the number of chunks (default `chunkCount(for: count)`).
    public static func parallelChunks(_ count: Int, chunks requested: Int? = nil,
                                      _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        if count == 0 { return }
        let chunks = max(1, min(requested ?? chunkCount(for: count), count))
        let workers = min(threads, chunks)
        if workers == 1 {
            for chunk in 0..<chunks { body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks)) }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let chunk = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if chunk >= chunks { return }
                body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }

    /// The number of chunks `parallelChunks(count)` splits `count` items into: 1 on one
    /// thread, otherwise a few per thread.
    public static func chunkCount(for count: Int) -> Int {
        threads == 1 ? 1 : max(1, min(threads * chunksPerThread, count))
    }
}
