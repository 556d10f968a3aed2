import CEngineKernels
import TensorCore

/// The matrix products of one attention item (`q [N, d]`, `k [M, d]`, `v [M, dv]`), computed by the
/// AVX-512 register tiles of `attention_gemm.c` when the CPU has them and both widths are multiples
/// of 16 (every SAM head: 16, 32, 64, 80), by OpenBLAS otherwise.
///
/// OpenBLAS repacks both operands on every call, and attention calls it once per block of query rows
/// with a product depth of only `d`: for ViT-B's global attention that packing and the short-depth
/// tile overhead were a quarter of the time. The tiles read the row-major operands in place; the one
/// operand that needs packing (the `kᵀ` or `vᵀ` of a scores product) is packed once per item
/// (`Packed`) and reused by every block of rows.
///
/// In a `Precision.bf16` scope every product runs in `BF16GEMM` instead (bf16 operands, the probabilities
/// included, with fp32 accumulation, as `torch.autocast` runs attention's matmuls); softmax and its backward
/// stay fp32 (docs/PERFORMANCE.md, "bf16"). There too the operands every block of rows shares (`kᵀ`, `v`)
/// are rounded and packed once per item (`Packed`, `Values`).
package struct AttentionProducts {
    /// Whether the register tiles run (else BLAS, or `BF16GEMM` when `bf16`).
    package let tiled: Bool
    /// Whether the products run on bf16 operands (`Precision.current` when made).
    package let bf16: Bool

    package init(d: Int, dv: Int) {
        bf16 = Precision.current == .bf16
        tiled = !bf16 && engine_attention_kernels_available(d) != 0 && engine_attention_kernels_available(dv) != 0
    }

    /// One item's `b [rows, width]` ready for `scores`: packed as `bᵀ` panels when tiled, else the row-major
    /// original. Owns its buffer; `release()` frees it.
    package struct Packed {
        let source: UnsafePointer<Float>
        let rows: Int, width: Int, stride: Int
        let panels: UnsafeMutablePointer<Float>?
        /// `bᵀ` in bf16 panels, when the products run in bf16.
        let bf16: BF16GEMM.PackedOperand?

        package func release() { panels?.deallocate(); bf16?.release() }
    }

    /// `b`'s rows are `stride` floats apart (default: `width`).
    package func pack(_ b: UnsafePointer<Float>, rows: Int, width: Int, stride: Int? = nil) -> Packed {
        let stride = stride ?? width
        guard tiled else {
            let operand = bf16 ? BF16GEMM.PackedOperand(b: b, n: rows, k: width, ldb: stride, transB: true) : nil
            return Packed(source: b, rows: rows, width: width, stride: stride, panels: nil, bf16: operand)
        }
        let count = Int(engine_attention_packed_count(rows, width))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        let panels = raw.bindMemory(to: Float.self, capacity: count)
        engine_attention_pack_transposed(b, rows, width, stride, panels)
        return Packed(source: b, rows: rows, width: width, stride: stride, panels: panels, bf16: nil)
    }

    /// `c [n, b.rows] = alpha · a [n, b.width] · bᵀ`, plus `c` when `accumulate`; `a`'s rows are `lda` apart
    /// (default `b.width`), `c`'s contiguous.
    package func scores(n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int? = nil, b: Packed, c: UnsafeMutablePointer<Float>,
                accumulate: Bool) {
        let lda = lda ?? b.width
        if let panels = b.panels {
            engine_attention_scores(n, b.rows, b.width, alpha, a, lda, panels, c, b.rows, accumulate ? 1 : 0)
        } else if let operand = b.bf16 {
            operand.multiply(m: n, alpha: alpha, a: a, lda: lda, accumulate: accumulate, c: c, ldc: b.rows)
        } else {
            BLAS.sgemm(transB: true, m: n, n: b.rows, k: b.width, alpha: alpha, a: a, lda: lda, b: b.source, ldb: b.stride,
                       beta: accumulate ? 1 : 0, c: c, ldc: b.rows)
        }
    }

    /// One item's `b [m, width]` (contiguous rows) ready for `apply`: rounded into bf16 panels when the products
    /// run in bf16, else the original. `release()` frees what it owns.
    package struct Values {
        let source: UnsafePointer<Float>
        let rows: Int, width: Int
        let bf16: BF16GEMM.PackedOperand?

        package func release() { bf16?.release() }
    }

    package func values(_ b: UnsafePointer<Float>, rows m: Int, width: Int) -> Values {
        Values(source: b, rows: m, width: width, bf16: bf16 ? BF16GEMM.PackedOperand(b: b, n: width, k: m, ldb: width, transB: false) : nil)
    }

    /// `c [n, width] = alpha · a [n, m] · b [m, width]`, plus `c` when `accumulate`; `a`'s rows are contiguous,
    /// `c`'s `ldc` apart (default `width`).
    package func apply(n: Int, m: Int, width: Int, alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
               c: UnsafeMutablePointer<Float>, ldc: Int? = nil, accumulate: Bool = false) {
        let operand = values(b, rows: m, width: width)
        defer { operand.release() }
        apply(n: n, alpha: alpha, a: a, b: operand, c: c, ldc: ldc, accumulate: accumulate)
    }

    /// `apply` against values prepared once for several blocks of rows (`a [n, b.rows]`).
    package func apply(n: Int, alpha: Float = 1, a: UnsafePointer<Float>, b: Values, c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
                       accumulate: Bool = false) {
        let (m, width) = (b.rows, b.width), ldc = ldc ?? width
        if tiled {
            engine_attention_apply(n, m, width, alpha, a, m, b.source, width, c, ldc, accumulate ? 1 : 0)
        } else if let operand = b.bf16 {
            operand.multiply(m: n, alpha: alpha, a: a, lda: m, accumulate: accumulate, c: c, ldc: ldc)
        } else {
            BLAS.sgemm(m: n, n: width, k: m, alpha: alpha, a: a, lda: m, b: b.source, ldb: width, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        }
    }

    /// `c [m, width] = alpha · a [n, m]ᵀ · b [n, width]`, plus `c` when `accumulate`; `b`'s rows are `ldb`
    /// apart (default `width`), `a`'s and `c`'s contiguous.
    package func transposed(n: Int, m: Int, width: Int, alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int? = nil,
                    c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let ldb = ldb ?? width
        if tiled {
            engine_attention_transposed(n, m, width, alpha, a, m, b, ldb, c, width, accumulate ? 1 : 0)
        } else if bf16 {
            BF16GEMM.multiply(transA: true, transB: false, m: m, n: width, k: n, alpha: alpha, a: a, lda: m, b: b, ldb: ldb,
                              accumulate: accumulate, c: c, ldc: width)
        } else {
            BLAS.sgemm(transA: true, m: m, n: width, k: n, alpha: alpha, a: a, lda: m, b: b, ldb: ldb, beta: accumulate ? 1 : 0,
                       c: c, ldc: width)
        }
    }
}
