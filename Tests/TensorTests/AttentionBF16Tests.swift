import XCTest
import CEngineKernels
@testable import TensorCore
@testable import TensorKernels

/// Attention's products in a `Precision.bf16` scope: each of `AttentionProducts`' three products (scores `a·bᵀ`,
/// `apply` `a·b`, `transposed` `aᵀ·b`) bit for bit against `BF16GEMMTests.reference` (bf16 operands in
/// VDPBF16PS's order and rounding, written from its definition), strided operands and accumulation included; and
/// a whole `Attention.forward` against that reference's scores, the engine's fp32 softmax, then the reference's
/// `P·v`: the probabilities are rounded to bf16 as operands too, and nothing else changes.
final class AttentionBF16Tests: XCTestCase {
    func assertSameBits(_ x: [Float], _ y: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.count, y.count, what, file: file, line: line)
        let bad = zip(x, y).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        XCTAssertEqual(bad, 0, "\(what): \(bad) of \(x.count) values differ", file: file, line: line)
    }

    /// `BF16GEMMTests.reference` positionally: `c [m, n]` (rows `ldc` apart) of depth `k`.
    func ref(_ m: Int, _ n: Int, _ k: Int, _ alpha: Float, _ a: (Int, Int) -> Float, _ b: (Int, Int) -> Float, _ bias: [Float]?,
             _ accumulate: Bool, _ c: [Float], _ ldc: Int) -> [Float] {
        BF16GEMMTests.reference(m: m, n: n, k: k, alpha: alpha, a: a, b: b, bias: bias, accumulate: accumulate, c: c, ldc: ldc)
    }

    /// `(n, m, width)`: partial 12-row tiles and 32-column panels, odd depths, a depth past one 1024 block.
    let shapes = [(1, 1, 16), (13, 37, 32), (29, 130, 80), (12, 1100, 16)]

    func testEachProductMatchesTheReferenceBitForBit() {
        let products = Precision.$current.withValue(.bf16) { AttentionProducts(d: 32, dv: 32) }
        XCTAssertTrue(products.bf16 && !products.tiled, "a bf16 scope takes the bf16 products")
        XCTAssertFalse(AttentionProducts(d: 32, dv: 32).bf16, "outside it, fp32")
        for (n, m, w) in shapes {
            let gap = 3, lda = w + gap
            let a = seededNormals(n * w, 1), b = seededNormals(m * w, 2), p = seededNormals(n * m, 3), g = seededNormals(n * w, 4)
            let aStrided = stridedRows(a, rows: n, width: w, stride: lda), gStrided = stridedRows(g, rows: n, width: w, stride: lda)
            for accumulate in [false, true] {
                let what = "n \(n) m \(m) width \(w) accumulate \(accumulate)"
                // scores: c [n, m] = 0.3 · a [n, w] · b [m, w]ᵀ
                let c0 = seededNormals(n * m, 5)
                var c = c0
                products.scores(n: n, alpha: 0.3, a: aStrided, lda: lda, packing: b, m: m, width: w, c: &c, accumulate: accumulate)
                assertSameBits(c, ref(n, m, w, 0.3, { a[$0 * w + $1] }, { b[$1 * w + $0] }, nil, accumulate, c0, m), "scores \(what)")
                // apply: o [n, w] (rows lda apart) = 0.7 · p [n, m] · b [m, w]
                let o0 = seededNormals(n * lda, 6)
                var o = o0
                o.withUnsafeMutableBufferPointer {
                    products.apply(n: n, m: m, width: w, alpha: 0.7, a: p, b: b, c: $0.baseAddress!, ldc: lda, accumulate: accumulate)
                }
                assertSameBits(o, ref(n, w, m, 0.7, { p[$0 * m + $1] }, { b[$0 * w + $1] }, nil, accumulate, o0, lda), "apply \(what)")
                // transposed: t [m, w] = 1.3 · p [n, m]ᵀ · g [n, w] (rows lda apart)
                let t0 = seededNormals(m * w, 7)
                var t = t0
                t.withUnsafeMutableBufferPointer {
                    products.transposed(n: n, m: m, width: w, alpha: 1.3, a: p, b: gStrided, ldb: lda, c: $0.baseAddress!, accumulate: accumulate)
                }
                assertSameBits(t, ref(m, w, n, 1.3, { p[$1 * m + $0] }, { g[$0 * w + $1] }, nil, accumulate, t0, w), "transposed \(what)")
            }
        }
    }

    func testForwardIsReferenceScoresThenSoftmaxThenReferenceApply() {
        let (B, N, M, d, dv) = (3, 50, 70, 32, 16)
        let q = seededNormals(B * N * d, 11), k = seededNormals(B * M * d, 12), v = seededNormals(B * M * dv, 13)
        let scale: Float = 1 / Float(d).squareRoot()
        let shapes = (q: Tensor(shape: [B, N, d], values: q), k: Tensor(shape: [B, M, d], values: k), v: Tensor(shape: [B, M, dv], values: v))
        let bf16 = Precision.$current.withValue(.bf16) {
            Attention.forward(q: shapes.q, k: shapes.k, v: shapes.v, bias: .none, scale: scale).out.scalars
        }
        let fp32 = Attention.forward(q: shapes.q, k: shapes.k, v: shapes.v, bias: .none, scale: scale).out.scalars
        XCTAssertNotEqual(bf16, fp32, "the bf16 scope should change attention's products")
        var want: [Float] = []
        for i in 0..<B {
            var s = BF16GEMMTests.reference(m: N, n: M, k: d, alpha: scale, a: { q[(i * N + $0) * d + $1] }, b: { k[(i * M + $1) * d + $0] },
                                            bias: nil, accumulate: false, c: [Float](repeating: 0, count: N * M), ldc: M)
            s.withUnsafeMutableBufferPointer { engine_softmax_rows($0.baseAddress!, N, M) }
            want += BF16GEMMTests.reference(m: N, n: dv, k: M, alpha: 1, a: { s[$0 * M + $1] }, b: { v[(i * M + $0) * dv + $1] },
                                            bias: nil, accumulate: false, c: [Float](repeating: 0, count: N * dv), ldc: dv)
        }
        assertSameBits(bf16, want, "attention forward in bf16")
    }
}
