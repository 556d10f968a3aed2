import COpenBLAS
import TensorCore

/// Row-major single-precision GEMM (OpenBLAS, or `PackedGEMM`'s tiles for the products it applies to),
/// and OpenBLAS's runtime facts.
public enum BLAS {
    /// `C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C` with row-major operands, where
    /// `op(A) = A` (stored `[m, lda]`) or `Aᵀ` (stored `[k, lda]`), likewise for B; plus `bias[j]` on every
    /// row when `bias` (`[n]`, a linear layer's) is given: added in the packed tiles' output, else
    /// written into C before the product. With `precision` `.bf16` (and `beta` 0 or 1) the product runs
    /// in `BF16GEMM` (bf16 operands, fp32 accumulation).
    @inlinable
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>? = nil,
                             precision: Precision = .fp32) {
        if m == 0 || n == 0 { return }
        if precision == .bf16 && (beta == 0 || beta == 1) {
            BF16GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                              bias: bias, accumulate: beta == 1, c: c, ldc: ldc)
            return
        }
        if !transA && (beta == 0 || beta == 1) && PackedGEMM.applies(m: m, n: n, k: k) {
            PackedGEMM.multiply(transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, bias: bias,
                                accumulate: beta == 1, c: c, ldc: ldc)
            return
        }
        var beta = beta
        if let bias {
            addBias(bias, m: m, n: n, beta: beta, c: c, ldc: ldc)
            beta = 1
        }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if !transB && (beta == 0 || beta == 1) && PackedGEMM.appliesWide(m: m, n: n, k: k) {
            PackedGEMM.wide(transA: transA, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                            accumulate: beta == 1, c: c, ldc: ldc)
            return
        }
        if splitsDepth(transA: transA, transB: transB, m: m, n: n, k: k) {
            depthSplit(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        openBLAS(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc)
    }

    /// `C[i, j] = beta·C[i, j] + bias[j]` (just `bias[j]` when beta is 0), parallel over rows.
    @usableFromInline
    static func addBias(_ bias: UnsafePointer<Float>, m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Parallel.forEach(m, grain: Swift.max(1, 16384 / Swift.max(n, 1))) { r in
            for i in r {
                let row = c + i * ldc
                if beta == 0 { row.update(from: bias, count: n) } else { for j in 0..<n { row[j] = beta * row[j] + bias[j] } }
            }
        }
    }

    @usableFromInline
    static func openBLAS(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Whether a product has a weight gradient's shape: a small `C` summed over a long depth, with A or
    /// B transposed. OpenBLAS's threads split C's rows or columns, which on TinyViT's weight gradients
    /// (C of 64–640 columns) ran at 113–172 GFLOP/s inside a training step, where one single-threaded
    /// call per core over half the depth each (`depthSplit`) runs at 128–187. Not when OpenBLAS is held
    /// to one thread (inside `forEachItem`).
    @usableFromInline
    static func splitsDepth(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Bool {
        (transA || transB) && m * n <= 131_072 && k >= 2048 && Parallel.workerCount > 1
            && openblas_get_num_threads() > 1
    }

    /// `C = alpha·op(A)·op(B) + beta·C` with the depth cut into one part per worker (each at least 1024
    /// deep), each run by single-threaded OpenBLAS (`forEachItem`): the first part into C with `beta`, the
    /// others into scratch, which is then added into C part by part, in order.
    @usableFromInline
    static func depthSplit(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let parts = min(Parallel.workerCount, k / 1024)   // at least 1024 deep each: k ≥ 2048 gives 2 or more
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (parts - 1) * m * n)
        defer { scratch.deallocate() }
        forEachItem(parts) { p in   // parts ≥ workers here only when parts == workers: in parallel
            let k0 = k * p / parts, k1 = k * (p + 1) / parts
            // Row-major: the depth runs down A's rows when A is stored transposed, along them when not.
            let aPart = transA ? a + k0 * lda : a + k0, bPart = transB ? b + k0 : b + k0 * ldb
            let (out, outStride, outBeta) = p == 0 ? (c, ldc, beta) : (scratch + (p - 1) * m * n, n, Float(0))
            openBLAS(transA: transA, transB: transB, m: m, n: n, k: k1 - k0, alpha: alpha, a: aPart, lda: lda,
                     b: bPart, ldb: ldb, beta: outBeta, c: out, ldc: outStride)
        }
        for p in 1..<parts {
            let part = scratch + (p - 1) * m * n
            for i in 0..<m {
                let row = c + i * ldc, add = part + i * n
                for j in 0..<n { row[j] += add[j] }
            }
        }
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
