import CEngineKernels
import TensorCore

extension BF16GEMM {
    /// `op(b) [k, n]` rounded to bf16 once, in the kernel's 32-column panels, for several products against it:
    /// attention multiplies every block of query rows by the same keys and values, and packing them per call
    /// cost more than the products of a short block (docs/PERFORMANCE.md, "bf16"). Owns its panels;
    /// `release()` frees them. Under a test's `Precision.operandBits` other than 8 nothing is packed and each
    /// product runs through `multiply` (which rounds to those bits).
    public struct PackedOperand: @unchecked Sendable {
        let source: UnsafePointer<Float>
        let n: Int, k: Int, ldb: Int, transB: Bool
        let panels: UnsafeMutablePointer<UInt16>?

        /// Packs `op(b)`: `b [k, n]` (rows `ldb` apart), or `b [n, k]` transposed when `transB`. Split over the
        /// workers when `threaded` and the operand is large (the same bits either way).
        public init(b: UnsafePointer<Float>, n: Int, k: Int, ldb: Int, transB: Bool, threaded: Bool = false) {
            (source, self.n, self.k, self.ldb, self.transB) = (b, n, k, ldb, transB)
            guard Precision.operandBits == 8, n > 0 else { panels = nil; return }
            let count = Int(engine_gemm_bf16_packed_count(n, k))
            let packed = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * 2, alignment: 64)
                .bindMemory(to: UInt16.self, capacity: Swift.max(1, count))
            let pack = { (r: Range<Int>) in
                engine_gemm_bf16_pack(b, n, k, ldb, transB ? 1 : 0, r.lowerBound * 32, Swift.min(n, r.upperBound * 32), packed)
            }
            let panelCount = (n + 31) / 32   // BF16_PANEL in bf16_gemm.c
            if threaded && n * k >= 1 << 16 { Parallel.forEach(panelCount, grain: 1, pack) } else { pack(0..<panelCount) }
            panels = packed
        }

        public func release() { panels?.deallocate() }

        /// `c [m, n] = alpha · a [m, k] · op(b)` plus `bias [n]` on every row when given, plus `c` when
        /// `accumulate`; the rows split across the workers when `threaded` (`rows`).
        public func multiply(m: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, bias: UnsafePointer<Float>? = nil,
                             accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, threaded: Bool = false,
                             path: Path = .detected) {
            if m == 0 || n == 0 { return }
            guard let panels else {
                BF16GEMM.emulated(transA: false, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: source, ldb: ldb,
                                  bias: bias, accumulate: accumulate, c: c, ldc: ldc, path: path)
                return
            }
            rows(m, threaded: threaded, path: path) { r0, r1, kernel in
                engine_gemm_bf16(r1 - r0, n, k, alpha, a + r0 * lda, lda, panels, c + r0 * ldc, ldc, accumulate ? 1 : 0, bias, kernel)
            }
        }

        /// `multiply` with `a` already rounded: `words [m, ldw]` as `engine_gemm_bf16_pack_a_transposed` writes them.
        func multiply(m: Int, alpha: Float, words: UnsafePointer<UInt32>, ldw: Int, bias: UnsafePointer<Float>?, accumulate: Bool,
                      c: UnsafeMutablePointer<Float>, ldc: Int, threaded: Bool, path: Path) {
            guard m > 0 && n > 0 else { return }
            guard let panels else { preconditionFailure("bf16 GEMM: pre-rounded A words need packed panels (operandBits 8)") }
            rows(m, threaded: threaded, path: path) { r0, r1, kernel in
                engine_gemm_bf16_words(r1 - r0, n, k, alpha, words + r0 * ldw, ldw, panels, c + r0 * ldc, ldc, accumulate ? 1 : 0, bias, kernel)
            }
        }

        /// Runs `tile(r0, r1, kernel)` over the rows in 12-row tiles, split across the workers when `threaded` and
        /// the product is large (each output is summed by one tile: the same bits either way).
        private func rows(_ m: Int, threaded: Bool, path: Path, _ tile: (Int, Int, Int32) -> Void) {
            precondition(path == .portable || engine_bf16_dot_available() != 0, "bf16 GEMM: VDPBF16PS requested on a CPU without it")
            let size = 12, tiles = (m + size - 1) / size, kernel: Int32 = path == .dpbf16 ? 1 : 0
            if threaded && m * n * k >= 1 << 20 {
                Parallel.forEach(tiles, grain: 1) { r in tile(r.lowerBound * size, Swift.min(m, r.upperBound * size), kernel) }
            } else {
                tile(0, m, kernel)
            }
        }
    }
}
