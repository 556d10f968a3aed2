import COpenBLAS

/// Row-major single-precision GEMM (OpenBLAS, or `PackedGEMM`'s tiles for the products it applies to),
/// and OpenBLAS's runtime facts.
public enum BLAS {
    /// `C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C` with row-major operands, where
    /// `op(A) = A` (stored `[m, lda]`) or `Aᵀ` (stored `[k, lda]`), likewise for B.
    @inlinable
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if !transA && (beta == 0 || beta == 1) && PackedGEMM.applies(m: m, n: n, k: k) {
            PackedGEMM.multiply(transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                accumulate: beta == 1, c: c, ldc: ldc)
            return
        }
        if !transB && (beta == 0 || beta == 1) && PackedGEMM.appliesWide(m: m, n: n, k: k) {
            PackedGEMM.wide(transA: transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                            accumulate: beta == 1, c: c, ldc: ldc)
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// The CPU core type OpenBLAS selected (e.g. "SkylakeX", "Haswell"); `OPENBLAS_CORETYPE` overrides it.
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Threads OpenBLAS uses for one GEMM.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// Sets the OpenBLAS thread count (process-wide).
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// Runs `items` independent pieces of GEMM work, `body(i)` each: in parallel on all workers with
    /// OpenBLAS single-threaded when there are at least as many items as workers (many small
    /// GEMMs, e.g. one per attention head and window), else serially with threaded OpenBLAS.
    /// OpenBLAS's thread count is process-wide, so engine work should run from one task at a time.
    public static func forEachItem(_ items: Int, _ body: (Int) -> Void) {
        let workers = Parallel.workerCount
        if items >= workers && workers > 1 {
            let saved = openblas_get_num_threads()
            openblas_set_num_threads(1)
            Parallel.forEach(items, grain: 1) { r in for i in r { body(i) } }
            openblas_set_num_threads(saved)
        } else {
            for i in 0..<items { body(i) }
        }
    }
}
