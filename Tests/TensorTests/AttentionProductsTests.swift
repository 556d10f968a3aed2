import XCTest
import CEngineKernels
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels
import TestComparisons

/// The products inside attention (`AttentionProducts`: AVX-512 register tiles, or OpenBLAS) against
/// sums in Double, on shapes that leave partial tiles in every direction; whole attention forward
/// and backward on the tiled path against the BLAS path; and attention read straight from token rows
/// (`attention(qkvProjection:)`) against permuting to heads and back.
final class AttentionProductsTests: XCTestCase {
    /// `(n, m, width)`: rows not a multiple of any tile height (6, 8, 12), key counts not a multiple of the
    /// 32-column panels or the 64-row chunks, widths of one to eight vectors.
    let shapes = [(1, 1, 16), (5, 33, 32), (13, 70, 48), (64, 196, 64), (29, 130, 80), (7, 65, 128)]

    /// Runs `body` on the tiled path (when this CPU has it) and on the BLAS path.
    func onEveryPath(_ body: (String) -> Void) {
        onBothKernelPaths { _ in body("tiled \(AttentionProducts(d: 64, dv: 64).tiled)") }
    }

    func assertNear(_ actual: [Float], _ expected: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        assertClose(actual, expected, within: .allClose(relative: 1e-5, absolute: 1e-5), what, file: file, line: line)
    }

    func testScoresApplyAndTransposedAgainstDoubleSums() {
        onEveryPath { path in
            for (n, m, w) in shapes {
                let products = AttentionProducts(d: w, dv: w)
                let a = seededNormals(n * w, 1), b = seededNormals(m * w, 2), c0 = seededNormals(n * m, 3), p = seededNormals(n * m, 4), g = seededNormals(n * w, 5)
                let d0 = seededNormals(m * w, 6)
                let what = "\(path) n \(n) m \(m) width \(w)"
                // Row strides wider than the rows where the products take them (a's for scores, c's for apply,
                // b's for transposed), the gaps filled with NaN that must stay unread and untouched.
                let gap = 3, lda = w + gap
                let aStrided = stridedRows(a, rows: n, width: w, stride: lda)
                for accumulate in [false, true] {
                    var c = c0
                    products.scores(n: n, alpha: 0.3, a: aStrided, lda: lda, packing: b, m: m, width: w, c: &c, accumulate: accumulate)
                    let expected = (0..<n * m).map { ij -> Double in
                        let (i, j) = (ij / m, ij % m)
                        let dot = (0..<w).reduce(0.0) { $0 + Double(a[i * w + $1]) * Double(b[j * w + $1]) }
                        return 0.3 * dot + (accumulate ? Double(c0[ij]) : 0)
                    }
                    assertNear(c, expected, "\(what) scores accumulate \(accumulate)")
                }
                let o0 = seededNormals(n * w, 7)
                for accumulate in [false, true] {
                    var o = stridedRows(o0, rows: n, width: w, stride: lda)
                    o.withUnsafeMutableBufferPointer {
                        products.apply(n: n, m: m, width: w, alpha: 0.7, a: p, b: b, c: $0.baseAddress!, ldc: lda, accumulate: accumulate)
                    }
                    XCTAssertTrue((0..<n * lda).allSatisfy { $0 % lda < w || o[$0].isNaN }, "\(what) apply wrote into the gaps")
                    assertNear((0..<n * w).map { o[($0 / w) * lda + $0 % w] }, (0..<n * w).map { ij in
                        0.7 * (0..<m).reduce(0.0) { $0 + Double(p[(ij / w) * m + $1]) * Double(b[$1 * w + ij % w]) }
                            + (accumulate ? Double(o0[ij]) : 0)
                    }, "\(what) apply accumulate \(accumulate)")
                }
                let gStrided = stridedRows(g, rows: n, width: w, stride: lda)
                for accumulate in [false, true] {
                    var dk = d0
                    dk.withUnsafeMutableBufferPointer {
                        products.transposed(n: n, m: m, width: w, alpha: 1.3, a: p, b: gStrided, ldb: lda, c: $0.baseAddress!, accumulate: accumulate)
                    }
                    assertNear(dk, (0..<m * w).map { jc in
                        let (j, col) = (jc / w, jc % w)
                        return 1.3 * (0..<n).reduce(0.0) { $0 + Double(p[$1 * m + j]) * Double(g[$1 * w + col]) }
                            + (accumulate ? Double(d0[jc]) : 0)
                    }, "\(what) transposed accumulate \(accumulate)")
                }
            }
        }
    }

    /// Attention with a dense bias, unequal query and key counts and `d != dv`, forward and every gradient,
    /// probabilities kept and recomputed: the tiled path gives the BLAS path's numbers.
    func testAttentionOnTheTiledPathMatchesBLAS() throws {
        try XCTSkipUnless(AttentionProducts(d: 32, dv: 48).tiled, "no AVX-512 here: only the BLAS path runs")
        var rng = SeededGenerator(seed: 11)
        let (B, N, M, d, dv) = (3, 37, 70, 32, 48)
        let q = Tensor.normal([B, N, d], using: &rng), k = Tensor.normal([B, M, d], using: &rng)
        let v = Tensor.normal([B, M, dv], using: &rng), bias = AttentionBias.tensor(Tensor.normal([B, N, M], using: &rng))
        let g = Tensor.normal([B, N, dv], using: &rng)
        func run() -> [Tensor] {
            let f = Attention.forward(q: q, k: k, v: v, bias: bias, scale: 0.2, keepProbabilities: true)
            var out = [f.out]
            for probs in [f.probs, nil] {
                let r = Attention.backward(q: q, k: k, v: v, bias: bias, scale: 0.2, probs: probs, g: g, need: (true, true, true, true))
                out += [r.dq!, r.dk!, r.dv!, r.dBias!]
            }
            return out
        }
        let tiled = run()
        engine_use_portable_kernels(1)
        defer { engine_use_portable_kernels(0) }
        let blas = run()
        for (i, (t, b)) in zip(tiled, blas).enumerated() { assertClose(t, b, rtol: 1e-4, atol: 1e-5, "output \(i)") }
    }

    /// `attention(qkvProjection:)` gives the values and gradients of SAM's permute → `attention(packedQKV:)` → permute,
    /// with and without the relative position, for head widths on the tiled (16) and BLAS-only (4) paths.
    func testTokenAttentionEqualsPermutedComposition() {
        for (d, relative) in [(16, true), (16, false), (4, true)] {
            var rng = SeededGenerator(seed: UInt64(d))
            let (b, h, w, heads) = (2, 3, 4, 3), C = heads * d
            let ts = [Tensor.normal([b, h, w, 3 * C], using: &rng), Tensor.normal([2 * h - 1, d], using: &rng),
                      Tensor.normal([2 * w - 1, d], using: &rng)]
            let seed = Tensor.normal([b, h, w, C], using: &rng)
            let x = ts.map { Variable($0, requiresGrad: true) }, y = ts.map { Variable($0, requiresGrad: true) }
            let direct = attention(qkvProjection: x[0], heads: heads, relativePositionBias: relative ? (x[1], x[2], h, w) : nil, scale: 0.3)
            let packed = y[0].reshaped([b, h * w, 3, heads, d]).permuted([2, 0, 3, 1, 4]).reshaped([3, b * heads, h * w, d])
            let composed = attention(packedQKV: packed, relativePositionBias: relative ? (y[1], y[2], h, w) : nil, scale: 0.3)
                .reshaped([b, heads, h, w, d]).permuted([0, 2, 3, 1, 4]).reshaped([b, h, w, C])
            let what = "d \(d), relative \(relative)"
            assertClose(direct.value, composed.value, rtol: 1e-5, atol: 1e-6, "\(what) forward")
            direct.backward(seed: seed)
            composed.backward(seed: seed)
            for i in 0..<(relative ? 3 : 1) { assertClose(x[i].grad, y[i].grad!, rtol: 1e-4, atol: 1e-5, "\(what) grad \(i)") }
        }
    }
}
