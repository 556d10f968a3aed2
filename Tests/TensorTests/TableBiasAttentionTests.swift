import XCTest
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels

/// `attention(packedQKV:tableBias:indices:scale:)` equals attention on the sliced q, k, v with the bias
/// gathered and repeated by `attentionBias` (values, packed-qkv and table gradients), and passes
/// finite differences; the per-head bias it uses equals the repeated dense one.
final class TableBiasAttentionTests: XCTestCase {
    /// TinyViT-style indices for a 3×3 window: one table entry per (|Δrow|, |Δcol|).
    static let indices: (idx: [Int], count: Int) = {
        let r = 3
        var idx: [Int] = []
        for p1 in 0..<(r * r) { for p2 in 0..<(r * r) { idx.append(abs(p1 / r - p2 / r) * r + abs(p1 % r - p2 % r)) } }
        return (idx, r * r)
    }()

    func testMatchesSplitAttentionWithGatheredBias() {
        var g = SeededGenerator(seed: 71)
        let (heads, windows, N, d) = (3, 2, 9, 5), B = heads * windows
        let (idx, T) = Self.indices
        let qkv = Tensor.normal([3, B, N, d], using: &g), table = Tensor.normal([heads, T], using: &g)
        let scale: Float = 0.4
        let pv = Variable(qkv, requiresGrad: true), tv = Variable(table, requiresGrad: true)
        let y = attention(packedQKV: pv, tableBias: tv, indices: idx, scale: scale)

        let pr = Variable(qkv, requiresGrad: true), tr = Variable(table, requiresGrad: true)
        let parts = (0..<3).map { pr.slice(axis: 0, $0..<($0 + 1)).reshaped([B, N, d]) }
        let bias = attentionBias(table: tr, indices: idx, n: N, m: N, repeats: windows)
        let ref = attention(parts[0], parts[1], parts[2], bias: bias, scale: scale)
        assertClose(y.value, ref.value, rtol: 1e-5, atol: 1e-6, "forward")
        let R = Tensor.normal(y.shape, using: &g)
        y.backward(seed: R)
        ref.backward(seed: R)
        assertClose(pv.grad, pr.grad!, rtol: 1e-4, atol: 1e-5, "d qkv")
        assertClose(tv.grad, tr.grad!, rtol: 1e-4, atol: 1e-5, "d table")
    }

    /// A per-head bias `[H, N, M]` gives the same bits as the same bias repeated into a dense `[B, N, M]`,
    /// for head-minor items (run 1: item `i` adds head `i % H`) and head-major ones (run = windows: head
    /// `i / windows`), in forward and in backward, from stored and from recomputed probabilities; several
    /// query-row blocks read the right rows of their head's bias. The table gradient sums each head's
    /// items whichever the order.
    func testPerHeadBiasEqualsRepeatedDenseBias() {
        var g = SeededGenerator(seed: 74)
        for (H, windows, N, M, d) in [(3, 4, 9, 9, 5), (2, 3, 70, 8192, 3)] {
            let B = H * windows
            let q = Tensor.normal([B, N, d], using: &g), k = Tensor.normal([B, M, d], using: &g), v = Tensor.normal([B, M, 4], using: &g)
            let perHead = Tensor.normal([H, N, M], using: &g), up = Tensor.normal([B, N, 4], using: &g)
            for run in [1, windows] {
                let head = { (i: Int) in run == 1 ? i % H : i / windows }
                let dense = Tensor(shape: [B, N, M], values: (0..<B).flatMap { i in perHead.scalars[head(i) * N * M ..< (head(i) + 1) * N * M] })
                for keep in [true, false] {
                    let what = "H \(H) N \(N) M \(M) run \(run) keep \(keep)"
                    let a = Attention.forward(q: q, k: k, v: v, bias: .perHead(perHead, run: run), scale: 0.6, keepProbabilities: keep)
                    let b = Attention.forward(q: q, k: k, v: v, bias: .tensor(dense), scale: 0.6, keepProbabilities: keep)
                    XCTAssertEqual(a.out.scalars, b.out.scalars, "\(what): forward")
                    let ra = Attention.backward(q: q, k: k, v: v, bias: .perHead(perHead, run: run), scale: 0.6, probs: a.probs, g: up,
                                                need: (true, true, true, true))
                    let rb = Attention.backward(q: q, k: k, v: v, bias: .tensor(dense), scale: 0.6, probs: b.probs, g: up,
                                                need: (true, true, true, true))
                    XCTAssertEqual(ra.dq?.scalars, rb.dq?.scalars, "\(what): dq")
                    XCTAssertEqual(ra.dk?.scalars, rb.dk?.scalars, "\(what): dk")
                    XCTAssertEqual(ra.dv?.scalars, rb.dv?.scalars, "\(what): dv")
                    XCTAssertEqual(ra.dBias?.scalars, rb.dBias?.scalars, "\(what): dS per item")
                }
            }
        }
    }

    /// `BiasTable.scatter` for either item order against the table gradient summed in Double: each table
    /// entry gets every item of its head at every position that reads it.
    func testBiasTableScatterAgainstDoubleSums() {
        var g = SeededGenerator(seed: 75)
        let (idx, T) = Self.indices, NN = idx.count, (H, windows) = (3, 5), B = H * windows
        let dS = Tensor.normal([B, NN], using: &g)
        for run in [1, windows] {
            let d = BiasTable.scatter(dS, indices: idx, heads: H, tableSize: T, run: run)
            var expected = [Double](repeating: 0, count: H * T)
            for i in 0..<B {
                let h = run == 1 ? i % H : i / windows
                for p in 0..<NN { expected[h * T + idx[p]] += Double(dS.scalars[i * NN + p]) }
            }
            for e in 0..<H * T { XCTAssertEqual(Double(d.scalars[e]), expected[e], accuracy: 1e-5, "run \(run) entry \(e)") }
        }
    }

    func testFiniteDifferences() {
        var g = SeededGenerator(seed: 72)
        let (idx, T) = Self.indices
        finiteDifferenceCheck(inputs: [Tensor.normal([3, 4, 9, 3], using: &g), Tensor.normal([2, T], using: &g)]) {
            attention(packedQKV: $0[0], tableBias: $0[1], indices: idx, scale: 0.5)
        }
    }

    /// The fused TinyViT form equals the permute chain around the packed op (values and gradients).
    func testWindowAttentionMatchesPermuteChain() {
        var g = SeededGenerator(seed: 73)
        let (heads, B, N, d) = (2, 3, 9, 4)
        let (idx, T) = Self.indices
        let x = Tensor.normal([B, N, heads * 3 * d], using: &g), table = Tensor.normal([heads, T], using: &g)
        let xv = Variable(x, requiresGrad: true), tv = Variable(table, requiresGrad: true)
        let y = windowAttention(qkvProjection: xv, heads: heads, biasTable: tv, indices: idx, scale: 0.3)
        let xr = Variable(x, requiresGrad: true), tr = Variable(table, requiresGrad: true)
        let packed = xr.reshaped([B, N, heads, 3, d]).permuted([3, 0, 2, 1, 4]).reshaped([3, B * heads, N, d])
        let ref = attention(packedQKV: packed, tableBias: tr, indices: idx, scale: 0.3)
            .reshaped([B, heads, N, d]).permuted([0, 2, 1, 3]).reshaped([B, N, heads * d])
        assertClose(y.value, ref.value, rtol: 0, atol: 0, "forward")
        let R = Tensor.normal(y.shape, using: &g)
        y.backward(seed: R)
        ref.backward(seed: R)
        assertClose(xv.grad, xr.grad!, rtol: 0, atol: 0, "dx")
        assertClose(tv.grad, tr.grad!, rtol: 0, atol: 0, "d table")
    }
}
