// BLAS: the one file that talks to OpenBLAS (CBLAS). Everything else calls `gemm`.

import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Matrix products through OpenBLAS's `cblas_sgemm`, row-major.
public enum BLAS {
    /// Computes `C = alpha * op(A) * op(B) + beta * C` on row-major matrices.
    ///
    /// - Parameters:
    ///   - a: `[M, K]` (or `[K, M]` when `transposeA`), leading dimension `lda`.
    ///   - b: `[K, N]` (or `[N, K]` when `transposeB`), leading dimension `ldb`.
    ///   - c: `[M, N]`, leading dimension `ldc`.
    @inlinable
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size")
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// Sets how many threads OpenBLAS uses inside one GEMM; with one, also stops its helper threads.
    ///
    /// OpenBLAS (pthread build) starts one helper thread per extra core when the library loads,
    /// and a helper busy-waits on `sched_yield` for about 0.1 s after it starts and after every
    /// threaded call before it sleeps. On two cores that helper took half of a core from Glimpse's
    /// own workers during a process's first 0.1 s (measured: the first two `glimpse propose`
    /// calls ran their two colour spaces at half speed). With one GEMM thread the helpers have no
    /// work, so they are joined here; OpenBLAS starts them again if a later call asks for more
    /// threads (the same path it takes after `fork`). Call it while no GEMM runs on another thread
    /// (the commands call it once at start-up): stopping helpers under a threaded GEMM is not safe.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
        if count <= 1 { stopHelperThreads() }
    }

    /// Joins OpenBLAS's idle helper threads through `blas_thread_shutdown_`, looked up at run time
    /// because only the threaded builds of the library export it (the serial build has no helpers).
    private static func stopHelperThreads() {
        #if canImport(Glibc)
        typealias Shutdown = @convention(c) () -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
        #endif
    }

    /// The number of threads OpenBLAS currently uses inside one GEMM.
    public static var threads: Int { Int(openblas_get_num_threads()) }
}

extension Tensor {
    /// The matrix product of `[M, K]` and `[K, N]` tensors (with optional transposes): `[M, N]`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul: needs matrices, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(k == kb, "matmul: inner sizes differ in \(a.shape) x \(b.shape)")
        var c = Tensor(zeros: [m, n])
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                              a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                              c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }

    /// The naive triple-loop matrix product, the reference `matmul` is tested against.
    public static func naiveMatmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[0], "naiveMatmul: \(a.shape) x \(b.shape)")
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var c = Tensor(zeros: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k { sum += Double(a.scalars[i * k + p]) * Double(b.scalars[p * n + j]) }
                c.scalars[i * n + j] = Float(sum)
            }
        }
        return c
    }
}
