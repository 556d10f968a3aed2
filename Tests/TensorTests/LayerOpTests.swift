import XCTest
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels

/// Attention with bias, SAM relative position, windows, interpolation, pooling, embedding and
/// batch norm against PyTorch fixtures; finite differences for the backward passes.
final class LayerOpTests: XCTestCase {
    func check(_ name: String, _ inputNames: [String], _ op: ([Variable], Fixture) -> Variable) throws {
        let f = try Fixture(name)
        let vars = inputNames.map { Variable(f[$0], requiresGrad: true) }
        let out = op(vars, f)
        assertClose(out.value, f["out"], rtol: 1e-5, atol: 1e-5, "\(name) forward")
        out.backward(seed: f["R"])
        for (n, v) in zip(inputNames, vars) { assertClose(v.grad, f["grad_" + n], rtol: 1e-4, atol: 1e-4, "\(name) grad \(n)") }
    }

    func testAttentionWithBias() throws {
        try check("attention_bias", ["q", "k", "v", "bias"]) { v, f in attention(v[0], v[1], v[2], bias: v[3], scale: f.float("scale")) }
    }
    func testRelativePosition() throws {
        try check("relpos", ["q", "rh", "rw"]) { v, f in decomposedRelativePosition(v[0], relH: v[1], relW: v[2], h: f.int("h"), w: f.int("w")) }
    }
    func testWindowPartitionAndRoundTrip() throws {
        try check("window_partition", ["x"]) { v, f in windowPartition(v[0], window: f.int("window")).windows }
        let f = try Fixture("window_partition")
        let x = Variable(f["x"])
        let (w, hp, wp) = windowPartition(x, window: 3)
        XCTAssertEqual([hp, wp], [6, 9])
        assertClose(windowUnpartition(w, window: 3, paddedH: hp, paddedW: wp, h: 5, w: 7).value, f["x"], "round trip")
    }
    func testBilinear() throws { try check("interp_bilinear", ["x"]) { v, f in let s = f.ints("size"); return interpolate(v[0], size: (s[0], s[1]), mode: .bilinear) } }
    func testBicubic() throws { try check("interp_bicubic", ["x"]) { v, f in let s = f.ints("size"); return interpolate(v[0], size: (s[0], s[1]), mode: .bicubic) } }
    func testNearest() throws { try check("interp_nearest", ["x"]) { v, f in let s = f.ints("size"); return interpolate(v[0], size: (s[0], s[1]), mode: .nearest) } }
    func testAdaptiveAveragePool() throws {
        try check("adaptive_avg_pool", ["x"]) { v, f in let s = f.ints("size"); return adaptiveAveragePool2d(v[0], size: (s[0], s[1])) }
    }
    func testEmbedding() throws {
        let f = try Fixture("embedding")
        let idx = f["indices"].scalars.map { Int($0) }
        try check("embedding", ["w"]) { v, _ in embedding(v[0], indices: idx, shape: [2, 3]) }
    }
    func testBatchNormTrainUpdatesRunningStatistics() throws {
        let f = try Fixture("batchnorm_train")
        var rm = Tensor.zeros([3]), rv = Tensor.ones([3])
        try check("batchnorm_train", ["x", "w", "b"]) { v, f in
            batchNorm2d(v[0], v[1], v[2], runningMean: &rm, runningVar: &rv, training: true, momentum: f.float("momentum"), eps: f.float("eps"))
        }
        assertClose(rm, f["running_mean"], "running mean")
        assertClose(rv, f["running_var"], "running var")
    }
    func testBatchNormEvalAndFolding() throws {
        let f = try Fixture("batchnorm_eval")
        var rm = f["running_mean"], rv = f["running_var"]
        try check("batchnorm_eval", ["x", "w", "b"]) { v, f in
            batchNorm2d(v[0], v[1], v[2], runningMean: &rm, runningVar: &rv, training: false, eps: f.float("eps"))
        }
        // conv(1x1) followed by eval BN equals the folded conv.
        var g = SeededGenerator(seed: 5)
        let cw = Tensor.normal([3, 3, 1, 1], using: &g), cb = Tensor.normal([3], using: &g)
        let x = Variable(f["x"])
        let ref = batchNorm2d(conv2d(x, Variable(cw), Variable(cb)), Variable(f["w"]), Variable(f["b"]), runningMean: &rm, runningVar: &rv,
                              training: false, eps: 1e-5)
        let folded = BatchNorm.foldIntoConv(weight: cw, bias: cb, bnWeight: f["w"], bnBias: f["b"], runningMean: rm, runningVar: rv, eps: 1e-5)
        assertClose(conv2d(x, Variable(folded.weight), Variable(folded.bias)).value, ref.value, rtol: 1e-5, atol: 1e-5, "folded")
    }

    func testFiniteDifferences() {
        var g = SeededGenerator(seed: 13)
        let q = Tensor.normal([2, 4, 3], using: &g), k = Tensor.normal([2, 5, 3], using: &g), v = Tensor.normal([2, 5, 2], using: &g)
        finiteDifferenceCheck(inputs: [q, k, v, Tensor.normal([2, 4, 5], using: &g)]) { attention($0[0], $0[1], $0[2], bias: $0[3], scale: 0.6) }
        finiteDifferenceCheck(inputs: [Tensor.normal([2, 6, 3], using: &g), Tensor.normal([3, 3], using: &g), Tensor.normal([5, 3], using: &g)]) {
            decomposedRelativePosition($0[0], relH: $0[1], relW: $0[2], h: 2, w: 3)
        }
        let img = Tensor.normal([1, 2, 4, 5], using: &g)
        finiteDifferenceCheck(inputs: [img]) { interpolate($0[0], size: (7, 3), mode: .bicubic) }
        finiteDifferenceCheck(inputs: [img]) { interpolate($0[0], size: (3, 8), mode: .bilinear) }
        var rm = Tensor.zeros([2]), rv = Tensor.ones([2])
        finiteDifferenceCheck(inputs: [img, Tensor.normal([2], using: &g), Tensor.normal([2], using: &g)]) {
            batchNorm2d($0[0], $0[1], $0[2], runningMean: &rm, runningVar: &rv, training: true)
        }
    }

    /// The fused SAM attention (relative position never materialised) equals the composition of
    /// `decomposedRelativePosition` and `attention(bias:)`, in value and in every gradient.
    func testFusedRelativePositionAttentionEqualsComposition() {
        var g = SeededGenerator(seed: 23)
        let (B, h, w, d) = (3, 3, 4, 5)
        let ts = [Tensor.normal([B, h * w, d], using: &g), Tensor.normal([B, h * w, d], using: &g), Tensor.normal([B, h * w, 6], using: &g),
                  Tensor.normal([2 * h - 1, d], using: &g), Tensor.normal([2 * w - 1, d], using: &g)]
        let R = Tensor.normal([B, h * w, 6], using: &g)
        let a = ts.map { Variable($0, requiresGrad: true) }, b = ts.map { Variable($0, requiresGrad: true) }
        let fused = attention(a[0], a[1], a[2], relativePositionBias: (a[3], a[4], h, w), scale: 0.4)
        let bias = decomposedRelativePosition(b[0], relH: b[3], relW: b[4], h: h, w: w)
        let composed = attention(b[0], b[1], b[2], bias: bias, scale: 0.4)
        assertClose(fused.value, composed.value, rtol: 1e-5, atol: 1e-6, "forward")
        fused.backward(seed: R)
        composed.backward(seed: R)
        for i in 0..<5 { assertClose(a[i].grad, b[i].grad!, rtol: 1e-4, atol: 1e-5, "grad \(i)") }
        finiteDifferenceCheck(inputs: ts) { attention($0[0], $0[1], $0[2], relativePositionBias: ($0[3], $0[4], h, w), scale: 0.4) }
    }

    /// Backward from recomputed probabilities equals backward from stored ones.
    func testAttentionRecomputationPathMatchesStoredPath() {
        var g = SeededGenerator(seed: 29)
        let q = Tensor.normal([4, 7, 3], using: &g), k = Tensor.normal([4, 9, 3], using: &g), v = Tensor.normal([4, 9, 2], using: &g)
        let bias = AttentionBias.tensor(Tensor.normal([4, 7, 9], using: &g)), up = Tensor.normal([4, 7, 2], using: &g)
        let stored = Attention.forward(q: q, k: k, v: v, bias: bias, scale: 0.5, keepProbabilities: true)
        let recomputed = Attention.forward(q: q, k: k, v: v, bias: bias, scale: 0.5, keepProbabilities: false)
        XCTAssertNil(recomputed.probs)
        assertClose(recomputed.out, stored.out, rtol: 0, atol: 0, "same forward")
        let r1 = Attention.backward(q: q, k: k, v: v, bias: bias, scale: 0.5, probs: stored.probs, g: up, need: (true, true, true, true))
        let r2 = Attention.backward(q: q, k: k, v: v, bias: bias, scale: 0.5, probs: nil, g: up, need: (true, true, true, true))
        assertClose(r2.dq, r1.dq!, rtol: 0, atol: 0, "dq")
        assertClose(r2.dk, r1.dk!, rtol: 0, atol: 0, "dk")
        assertClose(r2.dv, r1.dv!, rtol: 0, atol: 0, "dv")
        assertClose(r2.dBias, r1.dBias!, rtol: 0, atol: 0, "dbias")
    }

    /// Long keys force several query-row blocks; the blocked kernel (stored and recomputed) equals
    /// the composition of matmul, softmax and matmul, with gradients.
    func testRowBlockedAttentionEqualsComposition() {
        var g = SeededGenerator(seed: 31)
        let (B, N, M, d) = (2, 70, 8192, 3)
        XCTAssertLessThan(Attention.rowBlock(N, M), N, "several blocks")
        let ts = [Tensor.normal([B, N, d], using: &g), Tensor.normal([B, M, d], using: &g), Tensor.normal([B, M, 2], using: &g),
                  Tensor.normal([B, N, M], using: &g)]
        let R = Tensor.normal([B, N, 2], using: &g)
        let a = ts.map { Variable($0, requiresGrad: true) }, b = ts.map { Variable($0, requiresGrad: true) }
        let fused = attention(a[0], a[1], a[2], bias: a[3], scale: 0.7)
        let composed = matmul(softmax(matmul(b[0], b[1], transB: true, alpha: 0.7) + b[3]), b[2])
        assertClose(fused.value, composed.value, rtol: 1e-5, atol: 1e-6, "forward")
        fused.backward(seed: R)
        composed.backward(seed: R)
        for i in 0..<4 { assertClose(a[i].grad, b[i].grad!, rtol: 1e-4, atol: 1e-6, "grad \(i)") }
        let up = Tensor.normal([B, N, 2], using: &g), bias = AttentionBias.tensor(ts[3])
        let r1 = Attention.backward(q: ts[0], k: ts[1], v: ts[2], bias: bias, scale: 0.7, probs: nil, g: up, need: (true, true, true, true))
        let stored = Attention.forward(q: ts[0], k: ts[1], v: ts[2], bias: bias, scale: 0.7, keepProbabilities: true)
        let r2 = Attention.backward(q: ts[0], k: ts[1], v: ts[2], bias: bias, scale: 0.7, probs: stored.probs, g: up, need: (true, true, true, true))
        assertClose(r1.dk, r2.dk!, rtol: 0, atol: 0, "recomputed dk")
        assertClose(r1.dBias, r2.dBias!, rtol: 0, atol: 0, "recomputed dbias")
    }

    func testAttentionBiasTable() {
        // table [2 heads, 3 offsets]; 2x2 attention with offsets |i - j| for a 1-D toy layout.
        let table = Variable(Tensor(shape: [2, 3], values: [0, 1, 2, 10, 11, 12]), requiresGrad: true)
        let idx = [0, 1, 1, 0]
        let b = attentionBias(table: table, indices: idx, n: 2, m: 2, repeats: 2)
        XCTAssertEqual(b.shape, [4, 2, 2])
        XCTAssertEqual(b.value.scalars, [0, 1, 1, 0, 10, 11, 11, 10, 0, 1, 1, 0, 10, 11, 11, 10])
        b.backward(seed: .ones([4, 2, 2]))
        XCTAssertEqual(table.grad!.scalars, [4, 4, 0, 4, 4, 0], "each used offset: 2 positions × 2 repeats")
    }

    /// Finite differences (Float ops, central difference, Double objective) for the remaining ops.
    func testMoreFiniteDifferences() {
        var g = SeededGenerator(seed: 37)
        let img = Tensor.normal([1, 2, 5, 4], using: &g)
        finiteDifferenceCheck(inputs: [img]) { adaptiveAveragePool2d($0[0], size: (3, 3)) }
        finiteDifferenceCheck(inputs: [img]) { interpolate($0[0], size: (8, 7), mode: .nearest) }
        finiteDifferenceCheck(inputs: [img, Tensor.normal([2], using: &g), Tensor.normal([2], using: &g)]) { layerNorm2d($0[0], $0[1], $0[2], eps: 1e-6) }
        finiteDifferenceCheck(inputs: [Tensor.normal([5, 3], using: &g)]) { embedding($0[0], indices: [4, 0, 4, 2], shape: [2, 2]) }
        finiteDifferenceCheck(inputs: [Tensor.normal([2, 3], using: &g)]) { attentionBias(table: $0[0], indices: [0, 2, 1, 1, 2, 0], n: 2, m: 3, repeats: 3) }
        finiteDifferenceCheck(inputs: [Tensor.normal([2, 5, 4, 3], using: &g)]) { x in
            let (w, hp, wp) = windowPartition(x[0], window: 3)
            return windowUnpartition(w * w, window: 3, paddedH: hp, paddedW: wp, h: 5, w: 4)
        }
        let pos = Tensor.uniform([3, 4], low: 0.5, high: 2, using: &g), other = Tensor.uniform([3, 4], low: 0.5, high: 2, using: &g)
        finiteDifferenceCheck(inputs: [pos, other]) { log($0[0]) + exp($0[1]) - $0[0] / $0[1] }
        // relu away from its kink (|x| ≥ 0.1 > h)
        let away = Tensor.normal([3, 4], using: &g).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        finiteDifferenceCheck(inputs: [away]) { relu($0[0]) }
        finiteDifferenceCheck(inputs: [Tensor.normal([2, 3, 4], using: &g)]) { Variable.stack([$0[0], $0[0] * 3], axis: 1).sum(axes: [0, 3], keepDims: true) }
        finiteDifferenceCheck(inputs: [Tensor.normal([2, 3], using: &g)]) { $0[0].mean() * 2 + $0[0].mean(axes: [1]).sum() }
    }

    /// Packed-qkv attention equals slicing q, k, v, with and without relative position; gradients too.
    func testPackedAttentionEqualsSplit() {
        var g = SeededGenerator(seed: 43)
        let (B, h, w, d) = (3, 2, 3, 4)
        let packed = Tensor.normal([3, B, h * w, d], using: &g)
        let tables = [Tensor.normal([2 * h - 1, d], using: &g), Tensor.normal([2 * w - 1, d], using: &g)]
        let R = Tensor.normal([B, h * w, d], using: &g)
        for withRel in [false, true] {
            let p = Variable(packed, requiresGrad: true), s = Variable(packed, requiresGrad: true)
            let ta = tables.map { Variable($0, requiresGrad: true) }, tb = tables.map { Variable($0, requiresGrad: true) }
            let a = attention(packedQKV: p, relativePositionBias: withRel ? (ta[0], ta[1], h, w) : nil, scale: 0.5)
            let q = s.slice(axis: 0, 0..<1).reshaped([B, h * w, d]), k = s.slice(axis: 0, 1..<2).reshaped([B, h * w, d])
            let v = s.slice(axis: 0, 2..<3).reshaped([B, h * w, d])
            let b = withRel ? attention(q, k, v, relativePositionBias: (tb[0], tb[1], h, w), scale: 0.5) : attention(q, k, v, scale: 0.5)
            assertClose(a.value, b.value, rtol: 1e-6, atol: 1e-6, "forward rel=\(withRel)")
            a.backward(seed: R)
            b.backward(seed: R)
            assertClose(p.grad, s.grad!, rtol: 1e-5, atol: 1e-6, "dqkv rel=\(withRel)")
            if withRel { for i in 0..<2 { assertClose(ta[i].grad, tb[i].grad!, rtol: 1e-5, atol: 1e-6, "table \(i)") } }
        }
    }
}
