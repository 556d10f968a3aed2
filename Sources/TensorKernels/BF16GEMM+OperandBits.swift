import TensorCore

/// Tests only: the products of a bf16 scope with operands of another number of significant bits than bf16's 8
/// (`Precision.operandBits`). Fewer: the operands rounded to them, then `BF16GEMM`'s kernel (bf16 holds them
/// exactly): a coarser kernel. More: rounded to them, then the fp32 GEMM (the products of `b`-bit operands are
/// exact in fp32 for `b ≤ 12`): a finer one. A whole-model test measures how its error scales with the bits.
extension BF16GEMM {
    /// `x` rounded to nearest even at `bits` significant bits (the implicit one included); inf and NaN as they are.
    static func rounded(_ x: Float, bits: Int) -> Float {
        guard x.isFinite, bits < 24 else { return x }
        let drop = UInt32(24 - bits), u = x.bitPattern
        let half = (UInt32(1) << (drop - 1)) - 1 + ((u >> drop) & 1)
        return Float(bitPattern: ((u &+ half) >> drop) << drop)
    }

    /// `multiply` on copies of `op(a)` and `op(b)` rounded to `Precision.operandBits` bits.
    static func emulated(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>?, accumulate: Bool, c: UnsafeMutablePointer<Float>,
                         ldc: Int, path: Path) {
        let bits = Precision.operandBits
        func copy(_ p: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) -> UnsafeMutablePointer<Float> {
            let out = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, rows * cols))
            for i in 0..<rows { for j in 0..<cols { out[i * cols + j] = rounded(p[i * ld + j], bits: bits) } }
            return out
        }
        let (aRows, aCols) = transA ? (k, m) : (m, k), (bRows, bCols) = transB ? (n, k) : (k, n)
        let ca = copy(a, rows: aRows, cols: aCols, ld: lda), cb = copy(b, rows: bRows, cols: bCols, ld: ldb)
        defer { ca.deallocate(); cb.deallocate() }
        if bits > 8 {
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ca, lda: aCols, b: cb, ldb: bCols,
                       beta: accumulate ? 1 : 0, c: c, ldc: ldc, bias: bias)
            return
        }
        Precision.$operandBits.withValue(8) {
            multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ca, lda: aCols, b: cb, ldb: bCols, bias: bias,
                     accumulate: accumulate, c: c, ldc: ldc, path: path)
        }
    }
}
