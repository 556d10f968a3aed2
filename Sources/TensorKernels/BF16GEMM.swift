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
    /// `accumulate`; `op(a)` is `a [m, k]`, or `a [k, m]` transposed when `transA` (a weight gradient's `gᵀ`:
    /// rounded and transposed into bf16 pair words first, in one pass), `op(b)` is `b [k, n]`, or `b [n, k]` transposed when `transB`. Rows are
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
        let threaded = BLAS.threadCount > 1
        let operand = PackedOperand(b: b, n: n, k: k, ldb: ldb, transB: transB, threaded: threaded)
        defer { operand.release() }
        if transA {   // `aᵀ` rounded and transposed into bf16 pair words in one pass, split over blocks of 16 rows
            let ldw = Int(engine_gemm_bf16_word_stride(k))
            let words = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, m * ldw) * 4, alignment: 64)
                .bindMemory(to: UInt32.self, capacity: Swift.max(1, m * ldw))
            defer { words.deallocate() }
            let pack = { (r: Range<Int>) in
                let i0 = r.lowerBound * 16, i1 = Swift.min(m, r.upperBound * 16)
                engine_gemm_bf16_pack_a_transposed(a, k, lda, i0, i1, words + i0 * ldw, ldw)
            }
            let blocks = (m + 15) / 16
            if threaded && m * k >= 1 << 16 { Parallel.forEach(blocks, grain: 1, pack) } else { pack(0..<blocks) }
            operand.multiply(m: m, alpha: alpha, words: words, ldw: ldw, bias: bias, accumulate: accumulate, c: c, ldc: ldc,
                             threaded: threaded, path: path)
            return
        }
        operand.multiply(m: m, alpha: alpha, a: a, lda: lda, bias: bias, accumulate: accumulate, c: c, ldc: ldc, threaded: threaded,
                         path: path)
    }
}
