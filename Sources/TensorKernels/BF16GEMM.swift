import CEngineKernels
import TensorCore

/// Row-major `C = alpha · bf16(A) · bf16(op(B)) (+ bias) (+ C)` with fp32 accumulation (`bf16_gemm.c`):
/// the products of `Precision.bf16`. `op(B)` is rounded to bf16 once per call into 32-column panels of
/// depth pairs; A's rows are rounded a 12-row tile at a time as the kernel reads them. On AVX512_BF16
/// the products run on VDPBF16PS; elsewhere (or with `path: .portable`) a portable loop gives the same bits.
public enum BF16GEMM {
    /// Which kernel runs the products: the two give the same bits.
    public enum Path: Sendable {
        /// VDPBF16PS (AVX512_BF16).
        case dpbf16
        /// Plain C in VDPBF16PS's order and rounding (bf16_gemm.c).
        case portable

        /// VDPBF16PS when the CPU has it (CPUID), else the portable loop.
        public static var detected: Path { engine_bf16_dot_available() != 0 ? .dpbf16 : .portable }
    }

    /// Depth values summed per block, each from zero, before `c = alpha · block (+ bias) (+ c)`.
    public static var depthBlock: Int { Int(engine_gemm_bf16_depth()) }

    /// `x` rounded to bf16 (round to nearest even, subnormals to a signed zero), as its upper 16 bits.
    public static func round(_ x: Float) -> UInt16 { engine_bf16_round(x) }

    /// `c [m, n] = alpha · op(a) · op(b)` plus `bias [n]` on every row when given, plus `c` when
    /// `accumulate`; `op(a)` is `a [m, k]`, or `a [k, m]` transposed when `transA` (copied transposed first:
    /// a weight gradient's `gᵀ`), `op(b)` is `b [k, n]`, or `b [n, k]` transposed when `transB`. Rows are
    /// split across the workers in 12-row tiles (the same bits either way: each output is summed by one tile).
    public static func multiply(transA: Bool = false, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                                a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                bias: UnsafePointer<Float>? = nil, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int,
                                path: Path = .detected) {
        if m == 0 || n == 0 { return }
        if Precision.operandBits != 8 {
            emulated(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, bias: bias,
                     accumulate: accumulate, c: c, ldc: ldc, path: path)
            return
        }
        precondition(path == .portable || engine_bf16_dot_available() != 0, "bf16 GEMM: VDPBF16PS requested on a CPU without it")
        if transA {
            let t = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, m * k))
            defer { t.deallocate() }
            if lda == m {   // contiguous: 16 × 16 blocks in registers, split over A's stored rows (one thread inside
                            // `BLAS.forEachItem`'s workers, as the product)
                let split = BLAS.threadCount > 1 ? Swift.max(16, 16384 / Swift.max(m, 1)) : Swift.max(k, 1)
                Parallel.forEach(k, grain: split) { r in engine_transpose(a, k, m, r.lowerBound, r.upperBound, t) }
            } else {
                Parallel.forEach(m, grain: Swift.max(1, 16384 / Swift.max(k, 1))) { r in
                    for i in r { for j in 0..<k { t[i * k + j] = a[j * lda + i] } }
                }
            }
            multiply(transB: transB, m: m, n: n, k: k, alpha: alpha, a: t, lda: k, b: b, ldb: ldb, bias: bias,
                     accumulate: accumulate, c: c, ldc: ldc, path: path)
            return
        }
        let count = Int(engine_gemm_bf16_packed_count(n, k))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * 2, alignment: 64)
        defer { raw.deallocate() }
        let packed = raw.bindMemory(to: UInt16.self, capacity: Swift.max(1, count))
        let panels = (n + 31) / 32   // BF16_PANEL in bf16_gemm.c
        let threaded = BLAS.threadCount > 1 && m * n * k >= 1 << 20
        let pack = { (r: Range<Int>) in
            engine_gemm_bf16_pack(b, n, k, ldb, transB ? 1 : 0, r.lowerBound * 32, Swift.min(n, r.upperBound * 32), packed)
        }
        if threaded && n * k >= 1 << 16 { Parallel.forEach(panels, grain: 1, pack) } else { pack(0..<panels) }
        let tile = 12, tiles = (m + tile - 1) / tile, kernel: Int32 = path == .dpbf16 ? 1 : 0
        let body = { (r: Range<Int>) in
            let r0 = r.lowerBound * tile, r1 = Swift.min(m, r.upperBound * tile)
            engine_gemm_bf16(r1 - r0, n, k, alpha, a + r0 * lda, lda, packed, c + r0 * ldc, ldc, accumulate ? 1 : 0, bias, kernel)
        }
        if threaded { Parallel.forEach(tiles, grain: 1, body) } else { body(0..<tiles) }
    }
}
