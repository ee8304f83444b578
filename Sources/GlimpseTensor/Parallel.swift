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

    /// Runs `body(worker, range)` over `0..<count` split into contiguous chunks, one per worker.
    ///
    /// The split depends only on `count` and `workers`, so results that are reduced per worker
    /// and then summed in worker order are reproducible for a given thread count.
    public static func parallelChunks(_ count: Int, workers requested: Int? = nil,
                                      _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        let workers = max(1, min(requested ?? threads, count))
        if count == 0 { return }
        if workers == 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lo = count * worker / workers
            let hi = count * (worker + 1) / workers
            body(worker, lo..<hi)
        }
    }

    /// The number of workers `parallelChunks(count)` will use.
    public static func workerCount(for count: Int) -> Int {
        max(1, min(threads, count))
    }
}
