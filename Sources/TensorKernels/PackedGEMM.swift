import CEngineKernels
import TensorCore

/// Row-major `C = alpha · A · op(B) (+ C)` on AVX-512 register tiles (`packed_gemm.c`), for the GEMMs
/// of linear layers: `A [m, k]` is many token rows read in place, `op(B) [k, n]` a weight-sized operand
/// packed once per call into 32-column panels. `BLAS.sgemm` sends it every product it applies to.
///
/// OpenBLAS packs both operands on every call. On 2 cores (a 234 GFLOP/s FMA peak), inside a LiteMedSAM
/// training step, TinyViT's shapes (`4096 × 160 × 640`, `16384 × 128 × 512`, …) ran at 139–211 GFLOP/s
/// on OpenBLAS and run at 158–213 here; ViT-B's (`4096 × 3072 × 768`, …), alone with cold caches, ran at
/// 188–205 on OpenBLAS and at 206–224 here. Weight gradients (`Aᵀ·B`, summed over the tokens) stay with
/// OpenBLAS. `wide` takes the 1×1 convolutions of NCHW tensors (`W · X` and `Wᵀ · dY` over many pixels):
/// inside a LiteMedSAM step, on its 65536-pixel first stage, 143–171 GFLOP/s where OpenBLAS ran 84–150.
@usableFromInline
enum PackedGEMM {
    /// Whether `BLAS.sgemm` takes this path for an `m × n × k` product with `A` not transposed: an
    /// AVX-512 CPU, at least 48 rows, at least one full 32-column panel (narrower products would spend
    /// half the tile on padding), and `B` no larger than `A` (it is the operand that is copied).
    @usableFromInline
    static func applies(m: Int, n: Int, k: Int) -> Bool {
        m >= 48 && n >= 32 && k >= 16 && n <= m && engine_gemm_packed_available() != 0
    }

    /// `c [m, n] = alpha · a [m, k] · op(b)` plus `bias [n]` on every row when given, plus `c` when
    /// `accumulate`, where `op(b)` is `b [k, n]`, or `b [n, k]` transposed when `transB`. Rows are split
    /// across the workers when OpenBLAS may use more than one thread (`BLAS.forEachItem` runs its items
    /// with one, and so does this).
    @usableFromInline
    static func multiply(transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                         b: UnsafePointer<Float>, ldb: Int, bias: UnsafePointer<Float>? = nil, accumulate: Bool,
                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        let count = Int(engine_attention_packed_count(n, k))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        defer { raw.deallocate() }
        let packed = raw.bindMemory(to: Float.self, capacity: count)
        let threaded = splitsAcrossWorkers(m: m, n: n, k: k)
        pack(transB: transB, b: b, n: n, k: k, ldb: ldb, into: packed, parallel: threaded && n * k >= 1 << 18)
        let tile = 12, tiles = (m + tile - 1) / tile   // workers take whole 12-row tiles (SCORE_ROWS in panel_tile.h)
        let body = { (r: Range<Int>) in
            let r0 = r.lowerBound * tile, r1 = Swift.min(m, r.upperBound * tile)
            engine_gemm_packed(r1 - r0, n, k, alpha, a + r0 * lda, lda, packed, c + r0 * ldc, ldc, accumulate ? 1 : 0, bias)
        }
        if threaded { Parallel.forEach(tiles, grain: 1, body) } else { body(0..<tiles) }
    }

    /// Packs `op(b)` (`[k, n]`, or `b [n, k]` transposed) into 32-column panels of depth `k` (panel `j0 / 32`
    /// at `packed + j0 · k`), each panel independent of the others: with `parallel` (callers: B of 2¹⁸
    /// values or more), the panels are split across the workers (a 1×1 convolution's 64 × 65536 pixels,
    /// packed on one core, left the other idle for milliseconds). The same values either way.
    static func pack(transB: Bool, b: UnsafePointer<Float>, n: Int, k: Int, ldb: Int, into packed: UnsafeMutablePointer<Float>,
                     parallel: Bool) {
        let panel = 32, panels = (n + panel - 1) / panel   // PANEL in panel_tile.h
        let body = { (r: Range<Int>) in
            let j0 = r.lowerBound * panel, width = Swift.min(n, r.upperBound * panel) - j0
            if transB { engine_attention_pack_transposed(b + j0 * ldb, width, k, ldb, packed + j0 * k) }
            else { engine_gemm_pack_rows(b + j0, k, width, ldb, packed + j0 * k) }
        }
        if parallel && panels > 1 { Parallel.forEach(panels, grain: 1, body) } else { body(0..<panels) }
    }

    /// Whether `BLAS.sgemm` takes `wide` for an `m × n × k` product with `B` not transposed: a 1×1
    /// convolution over many pixels in NCHW (`W [m, k] · X [k, n]`, or `Wᵀ · dY` for its input gradient),
    /// on an AVX-512 CPU.
    @usableFromInline
    static func appliesWide(m: Int, n: Int, k: Int) -> Bool {
        m >= 12 && n >= 4096 && n >= 8 * m && k >= 16 && k <= 512 && engine_gemm_packed_available() != 0
    }

    /// `c [m, n] = alpha · op(a) · b [k, n]` plus `c` when `accumulate`, where `op(a)` is `a [m, k]`, or
    /// `a [k, m]` transposed when `transA` (copied transposed first: it is the small operand). B's columns
    /// are split across the workers in blocks of 512, each packed in turn (`engine_gemm_wide`).
    @usableFromInline
    static func wide(transA: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var transposed: UnsafeMutablePointer<Float>? = nil
        defer { transposed?.deallocate() }
        var (A, rowStride) = (a, lda)
        if transA {
            let t = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
            for r in 0..<k { for i in 0..<m { t[i * k + r] = a[r * lda + i] } }
            transposed = t
            (A, rowStride) = (UnsafePointer(t), k)
        }
        let width = 512, blocks = (n + width - 1) / width   // engine_gemm_wide's block (WIDE_BLOCK in packed_gemm.c)
        let count = Int(engine_gemm_wide_block_count(k))
        let body = { (r: Range<Int>) in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            defer { raw.deallocate() }
            engine_gemm_wide(m, n, k, alpha, A, rowStride, b, ldb, c, ldc, accumulate ? 1 : 0, r.lowerBound * width,
                             Swift.min(n, r.upperBound * width), raw.bindMemory(to: Float.self, capacity: count))
        }
        if splitsAcrossWorkers(m: m, n: n, k: k) { Parallel.forEach(blocks, grain: 1, body) } else { body(0..<blocks) }
    }

    /// Whether a product's work is split across the workers: when OpenBLAS may use more than one thread
    /// (inside `BLAS.forEachItem` it uses one, and each item runs on one core) and there are at least
    /// 2²⁰ multiply-adds to split.
    static func splitsAcrossWorkers(m: Int, n: Int, k: Int) -> Bool { BLAS.threadCount > 1 && m * n * k >= 1 << 20 }
}
