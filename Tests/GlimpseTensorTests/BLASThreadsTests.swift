// BLAS.setThreads(1) stops OpenBLAS's helper threads, which otherwise spin on sched_yield for
// about 0.1 s after the library loads and take a core from Glimpse's own workers. Checked in a
// child process (an exit test) so that no GEMM of another test runs while the helpers stop.

import GlimpseTensor
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("BLAS threads")
struct BLASThreadsTests {
    /// OpenBLAS's own flag for "helper threads are up" (`blas_server_avail`, threaded builds only).
    static func helpersRunning() -> Bool? {
        guard let flag = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_server_avail") else { return nil }
        return flag.load(as: Int32.self) != 0
    }

    @Test func oneThreadStopsTheHelpersAndGEMMStillWorks() async {
        await #expect(processExitsWith: .success) {
            // A serial OpenBLAS or a one-core machine has no helpers to stop: nothing to check.
            guard BLASThreadsTests.helpersRunning() == true else { exit(0) }
            BLAS.setThreads(1)
            if BLASThreadsTests.helpersRunning() != false { exit(1) }
            // Asking for two threads again restarts them on the next threaded call (OpenBLAS's
            // own path after fork), and products stay right either way.
            let n = 256
            let a = [Float](repeating: 1, count: n * n), b = [Float](repeating: 2, count: n * n)
            var c = [Float](repeating: 0, count: n * n)
            BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
            if c.contains(where: { $0 != Float(2 * n) }) { exit(2) }
            BLAS.setThreads(2)
            c = [Float](repeating: 0, count: n * n)
            BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n)
            if c.contains(where: { $0 != Float(2 * n) }) { exit(3) }
            exit(0)
        }
    }
}
