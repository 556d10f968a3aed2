import TensorCore
import TensorKernels

/// `softmax(scale · q·kᵀ + bias) · v` for `q [B, N, d]`, `k [B, M, d]`, `v [B, M, dv]`, `bias [B, N, M]`.
public func attention(_ q: Variable, _ k: Variable, _ v: Variable, bias: Variable? = nil, scale: Float) -> Variable {
    let qv = q.value, kv = k.value, vv = v.value
    let b: AttentionBias = bias.map { .tensor($0.value) } ?? .none
    let inputs = bias.map { [q, k, v, $0] } ?? [q, k, v]
    let (out, kept) = Attention.forward(q: qv, k: kv, v: vv, bias: b, scale: scale, keep: Variable.recordsGraph(inputs) ? .budgeted : .never)
    return Variable.record(out, inputs) { need in { g in
        let r = Attention.backward(q: qv, k: kv, v: vv, bias: b, scale: scale, probs: kept?.tensor, g: g,
                                   need: (need[0], need[1], need[2], need.count == 4 && need[3]))
        return need.count == 4 ? [r.dq, r.dk, r.dv, r.dBias] : [r.dq, r.dk, r.dv]
    } }
}

/// SAM attention with decomposed relative position, fused: `softmax(scale·q·kᵀ + relpos(q)) · v`
/// where `relpos` is `decomposedRelativePosition(q, relH, relW, h, w)` on the *unscaled* q. The
/// `[B, N, N]` bias is never materialised. `q, k [B, h·w, d]`, `v [B, h·w, dv]`, `relH [2h−1, d]`, `relW [2w−1, d]`.
public func attention(_ q: Variable, _ k: Variable, _ v: Variable,
                      relativePositionBias rp: (relH: Variable, relW: Variable, h: Int, w: Int), scale: Float) -> Variable {
    let (relH, relW, h, w) = (rp.relH, rp.relW, rp.h, rp.w)
    let qv = q.value, kv = k.value, vv = v.value, rh = relH.value, rw = relW.value
    let rows = qv.shape[0] * qv.shape[1], C = qv.shape[2]
    let q2 = qv.reshaped([rows, C])
    let zh = MatMul.linear(q2, rh, nil), zw = MatMul.linear(q2, rw, nil)
    let bias = AttentionBias.relative(zh: zh, zw: zw, h: h, w: w)
    let inputs = [q, k, v, relH, relW]
    let (out, kept) = Attention.forward(q: qv, k: kv, v: vv, bias: bias, scale: scale, keep: Variable.recordsGraph(inputs) ? .budgeted : .never)
    return Variable.record(out, inputs) { need in { g in
        let needBias = need[0] || need[3] || need[4]
        var r = Attention.backward(q: qv, k: kv, v: vv, bias: bias, scale: scale, probs: kept?.tensor, g: g,
                                   need: (need[0], need[1], need[2], needBias))
        var dq = r.dq
        r.dq = nil   // keep dq uniquely referenced: the GEMMs below add into it in place
        if need[0], let gzh = r.dZh, let gzw = r.dZw {
            // dq += gZh · relH + gZw · relW
            dq!.withUnsafeMutableBufferPointer { o in gzh.withUnsafeBufferPointer { a in gzw.withUnsafeBufferPointer { b in
                rh.withUnsafeBufferPointer { th in rw.withUnsafeBufferPointer { tw in
                    BLAS.sgemm(m: rows, n: C, k: 2 * h - 1, a: a.baseAddress!, lda: 2 * h - 1, b: th.baseAddress!, ldb: C,
                               beta: 1, c: o.baseAddress!, ldc: C)
                    BLAS.sgemm(m: rows, n: C, k: 2 * w - 1, a: b.baseAddress!, lda: 2 * w - 1, b: tw.baseAddress!, ldb: C,
                               beta: 1, c: o.baseAddress!, ldc: C)
                } }
            } } }
        }
        let dRH = need[3] ? MatMul.linearWeightGrad(r.dZh!, q2, n: 2 * h - 1) : nil
        let dRW = need[4] ? MatMul.linearWeightGrad(r.dZw!, q2, n: 2 * w - 1) : nil
        return [dq, r.dk, r.dv, dRH, dRW]
    } }
}

/// Self-attention on a packed `qkv [3, B, N, d]` (SAM's `qkv(x).reshape(B, N, 3, heads, hd).permute(2, 0, 3, 1, 4)`
/// with B = images·heads), optionally with SAM's decomposed relative position (`relH [2h−1, d]`,
/// `relW [2w−1, d]`, `N = h·w`). Equivalent to slicing q, k, v and calling `attention`, without the
/// slice copies; the gradient is one packed `[3, B, N, d]` tensor. Output `[B, N, d]`.
public func attention(packedQKV qkv: Variable, relativePositionBias relativePosition: (relH: Variable, relW: Variable, h: Int, w: Int)? = nil,
                      scale: Float) -> Variable {
    let t = qkv.value
    precondition(t.rank == 4 && t.shape[0] == 3, "attention: packed qkv \(t.shape), expected [3, B, N, d]")
    let (B, N, C) = (t.shape[1], t.shape[2], t.shape[3]), rows = B * N
    var bias = AttentionBias.none
    var zh = Tensor(0), zw = Tensor(0)
    if let rp = relativePosition {
        let th = 2 * rp.h - 1, tw = 2 * rp.w - 1
        zh = Tensor(shape: [rows, th], unsafeUninitialized: { _ in }); zw = Tensor(shape: [rows, tw], unsafeUninitialized: { _ in })
        t.withUnsafeBufferPointer { q in rp.relH.value.withUnsafeBufferPointer { a in rp.relW.value.withUnsafeBufferPointer { b in
            zh.withUnsafeMutableBufferPointer { o in
                BLAS.sgemm(transB: true, m: rows, n: th, k: C, a: q.baseAddress!, lda: C, b: a.baseAddress!, ldb: C, c: o.baseAddress!, ldc: th)
            }
            zw.withUnsafeMutableBufferPointer { o in
                BLAS.sgemm(transB: true, m: rows, n: tw, k: C, a: q.baseAddress!, lda: C, b: b.baseAddress!, ldb: C, c: o.baseAddress!, ldc: tw)
            }
        } } }
        bias = .relative(zh: zh, zw: zw, h: rp.h, w: rp.w)
    }
    let inputs = relativePosition.map { [qkv, $0.relH, $0.relW] } ?? [qkv]
    let (out, kept) = Attention.forward(packed: t, bias: bias, scale: scale, keep: Variable.recordsGraph(inputs) ? .budgeted : .never)
    let b = bias
    return Variable.record(out, inputs) { need in { g in
        let needBias = relativePosition != nil && (need[0] || need[1] || need[2])
        var r = Attention.backward(packed: t, bias: b, scale: scale, probs: kept?.tensor, g: g, needBias: needBias)
        guard let rp = relativePosition, let gzh = r.dZh, let gzw = r.dZw else { return [r.dqkv] }
        let th = 2 * rp.h - 1, tw = 2 * rp.w - 1
        var d = r.dqkv
        r.dqkv = Tensor(0)   // keep `d` uniquely referenced
        // dq (the first third) += gZh · relH + gZw · relW ; dRelH = gZhᵀ · q ; dRelW = gZwᵀ · q
        d.withUnsafeMutableBufferPointer { o in gzh.withUnsafeBufferPointer { a in gzw.withUnsafeBufferPointer { bw in
            rp.relH.value.withUnsafeBufferPointer { hb in rp.relW.value.withUnsafeBufferPointer { wb in
                BLAS.sgemm(m: rows, n: C, k: th, a: a.baseAddress!, lda: th, b: hb.baseAddress!, ldb: C, beta: 1, c: o.baseAddress!, ldc: C)
                BLAS.sgemm(m: rows, n: C, k: tw, a: bw.baseAddress!, lda: tw, b: wb.baseAddress!, ldb: C, beta: 1, c: o.baseAddress!, ldc: C)
            } }
        } } }
        var dRH: Tensor? = nil, dRW: Tensor? = nil
        t.withUnsafeBufferPointer { q in
            if need[1] {
                dRH = Tensor(shape: [th, C]) { o in gzh.withUnsafeBufferPointer { a in
                    BLAS.sgemm(transA: true, m: th, n: C, k: rows, a: a.baseAddress!, lda: th, b: q.baseAddress!, ldb: C, c: o.baseAddress!, ldc: C)
                } }
            }
            if need[2] {
                dRW = Tensor(shape: [tw, C]) { o in gzw.withUnsafeBufferPointer { a in
                    BLAS.sgemm(transA: true, m: tw, n: C, k: rows, a: a.baseAddress!, lda: tw, b: q.baseAddress!, ldb: C, c: o.baseAddress!, ldc: C)
                } }
            }
        }
        return [need[0] ? d : nil, dRH, dRW]
    } }
}

/// SAM's decomposed relative-position bias `[B, h·w, h·w]` from `q [B, h·w, C]` and tables `[2h−1, C]`, `[2w−1, C]`.
public func decomposedRelativePosition(_ q: Variable, relH: Variable, relW: Variable, h: Int, w: Int) -> Variable {
    let qv = q.value, rh = relH.value, rw = relW.value
    let y = RelativePosition.forward(q: qv, relH: rh, relW: rw, h: h, w: w)
    return Variable.record(y, [q, relH, relW]) { need in { g in
        let r = RelativePosition.backward(q: qv, relH: rh, relW: rw, h: h, w: w, g: g,
                                          needQ: need[0], needTables: need[1] || need[2])
        return [r.dq, need[1] ? r.dRelH : nil, need[2] ? r.dRelW : nil]
    } }
}

/// SAM window partition: `x [B, H, W, C]` zero-padded at the bottom/right to multiples of `window`,
/// split into `[B·nH·nW, window, window, C]` (window-row major). Returns the padded extents too.
public func windowPartition(_ x: Variable, window ws: Int) -> (windows: Variable, paddedH: Int, paddedW: Int) {
    let (H, W) = (x.shape[1], x.shape[2])
    let Hp = (H + ws - 1) / ws * ws, Wp = (W + ws - 1) / ws * ws
    let y = Variable.record(Windows.partition(x.value, window: ws), [x]) { _ in { g in [Windows.unpartition(g, window: ws, h: H, w: W)] } }
    return (y, Hp, Wp)
}

/// `windowPartition` with every padding token set to `fill [C]` instead of zeros (see
/// `Windows.partition(_:window:fill:)`); the gradient of `fill` sums the padding tokens' gradients.
public func windowPartition(_ x: Variable, window ws: Int, fill: Variable) -> (windows: Variable, paddedH: Int, paddedW: Int) {
    let (H, W) = (x.shape[1], x.shape[2])
    let Hp = (H + ws - 1) / ws * ws, Wp = (W + ws - 1) / ws * ws
    let y = Variable.record(Windows.partition(x.value, window: ws, fill: fill.value), [x, fill]) { need in { g in
        [need[0] ? Windows.unpartition(g, window: ws, h: H, w: W) : nil,
         need[1] ? Windows.paddingGradient(g, window: ws, h: H, w: W) : nil]
    } }
    return (y, Hp, Wp)
}

/// Inverse of `windowPartition`: `[B·nH·nW, ws, ws, C]` back to `[B, H, W, C]` (padding cropped).
public func windowUnpartition(_ windows: Variable, window ws: Int, paddedH Hp: Int, paddedW Wp: Int, h H: Int, w W: Int) -> Variable {
    precondition(Hp == (H + ws - 1) / ws * ws && Wp == (W + ws - 1) / ws * ws, "windowUnpartition: padded \(Hp)x\(Wp) for \(H)x\(W)")
    return Variable.record(Windows.unpartition(windows.value, window: ws, h: H, w: W), [windows]) { _ in { g in
        [Windows.partition(g, window: ws)]
    } }
}

/// An attention bias gathered from a learned table (TinyViT's `attention_biases[:, attention_bias_idxs]`):
/// `out[r·H + h, i, j] = table[h, indices[i·m + j]]` for `table [H, T]`, `indices` of `n·m` entries in
/// `0..<T`, repeated for `repeats` windows/images → `[repeats·H, n, m]` (the layout `attention(bias:)` takes).
/// The gradient scatter-adds into the table, summed over the repeats.
public func attentionBias(table: Variable, indices: [Int], n: Int, m: Int, repeats: Int = 1) -> Variable {
    let (H, T) = (table.shape[0], table.shape[1])
    precondition(indices.count == n * m && indices.allSatisfy { $0 >= 0 && $0 < T }, "attentionBias: indices for \(n)x\(m) in 0..<\(T)")
    let out = BiasTable.gather(table.value, indices: indices, repeats: repeats).reshaped([repeats * H, n, m])
    return Variable.record(out, [table]) { _ in { g in [BiasTable.scatter(g, indices: indices, heads: H, tableSize: T)] } }
}

/// Multi-head self-attention straight from a `qkv` linear layer's output to the merged heads, without
/// permuting to heads and back: `projected [b, ..., 3C]` holds each token's `[q | k | v]` (each
/// `C = heads · d` wide, heads side by side), the middle axes are the `N` tokens of one attention (an
/// `h × w` grid when `relativePositionBias` is given: SAM's decomposed relative position on the unscaled
/// q, tables `relH [2h−1, d]`, `relW [2w−1, d]`). Output `[b, ..., C]`. The same values and gradients as
/// `qkv.reshape(b, N, 3, heads, d).permute(2, 0, 3, 1, 4)`, `attention(packedQKV:)`, and the inverse permute.
public func attention(qkvProjection projected: Variable, heads: Int,
                      relativePositionBias relativePosition: (relH: Variable, relW: Variable, h: Int, w: Int)? = nil,
                      scale: Float) -> Variable {
    let t = projected.value
    precondition(t.rank >= 3 && t.shape.last! % (3 * heads) == 0, "attention: tokens \(t.shape) for \(heads) heads")
    let b = t.shape[0], C = t.shape.last! / 3, d = C / heads, N = t.count / (b * 3 * C), rows = b * N
    var bias = AttentionBias.none
    if let rp = relativePosition {
        // zh, zw [heads · b · N, 2h − 1]: head-major, like the attention items; per head, q·tableᵀ over all
        // b·N token rows (3C apart): the attention score tiles in parallel over rows (OpenBLAS runs these
        // 27- or 127-column products with a 3C row stride at a quarter of its rate), else one GEMM per head.
        let th = 2 * rp.h - 1, tw = 2 * rp.w - 1
        var zh = Tensor(shape: [heads * rows, th], unsafeUninitialized: { _ in }), zw = Tensor(shape: [heads * rows, tw], unsafeUninitialized: { _ in })
        let products = AttentionProducts(d: d, dv: d)
        t.withUnsafeBufferPointer { q in rp.relH.value.withUnsafeBufferPointer { a in rp.relW.value.withUnsafeBufferPointer { c in
            zh.withUnsafeMutableBufferPointer { oh in zw.withUnsafeMutableBufferPointer { ow in
                let Q = q.baseAddress!, ZH = oh.baseAddress!, ZW = ow.baseAddress!
                guard products.tiled else {
                    for h in 0..<heads {
                        BLAS.sgemm(transB: true, m: rows, n: th, k: d, a: Q + h * d, lda: 3 * C, b: a.baseAddress!, ldb: d, c: ZH + h * rows * th, ldc: th)
                        BLAS.sgemm(transB: true, m: rows, n: tw, k: d, a: Q + h * d, lda: 3 * C, b: c.baseAddress!, ldb: d, c: ZW + h * rows * tw, ldc: tw)
                    }
                    return
                }
                let tableH = products.pack(a.baseAddress!, rows: th, width: d), tableW = products.pack(c.baseAddress!, rows: tw, width: d)
                defer { tableH.release(); tableW.release() }
                forEachHeadRun(heads: heads, rows: rows) { h, r, i, n in
                    let qr = Q + r * 3 * C + h * d
                    products.scores(n: n, alpha: 1, a: qr, lda: 3 * C, b: tableH, c: ZH + i * th, accumulate: false)
                    products.scores(n: n, alpha: 1, a: qr, lda: 3 * C, b: tableW, c: ZW + i * tw, accumulate: false)
                }
            } }
        } } }
        bias = .relative(zh: zh, zw: zw, h: rp.h, w: rp.w)
    }
    let inputs = relativePosition.map { [projected, $0.relH, $0.relW] } ?? [projected]
    let (out, kept) = Attention.forward(tokens: t, b: b, N: N, heads: heads, bias: bias, scale: scale,
                                        keep: Variable.recordsGraph(inputs) ? .budgeted : .never, outShape: Array(t.shape.dropLast()) + [C])
    return Variable.record(out, inputs) { need in { g in
        var r = Attention.backward(tokens: t, b: b, N: N, heads: heads, bias: bias, scale: scale, probs: kept?.tensor, g: g,
                                   needBias: relativePosition != nil)
        guard let rp = relativePosition, let gzh = r.dZh, let gzw = r.dZw else { return [r.dprojected] }
        let th = 2 * rp.h - 1, tw = 2 * rp.w - 1
        var dp = r.dprojected
        r.dprojected = Tensor(0)   // keep `dp` uniquely referenced
        var dRH = Tensor(shape: [th, d], unsafeUninitialized: { _ in }), dRW = Tensor(shape: [tw, d], unsafeUninitialized: { _ in })
        let products = AttentionProducts(d: d, dv: d)
        // Per head: dq += gZh · relH + gZw · relW ; dRelH = Σ_heads gZhᵀ · q ; dRelW = Σ_heads gZwᵀ · q
        t.withUnsafeBufferPointer { q in dp.withUnsafeMutableBufferPointer { o in gzh.withUnsafeBufferPointer { a in gzw.withUnsafeBufferPointer { c in
            rp.relH.value.withUnsafeBufferPointer { hb in rp.relW.value.withUnsafeBufferPointer { wb in
                dRH.withUnsafeMutableBufferPointer { dh in dRW.withUnsafeMutableBufferPointer { dw in
                    let Q = q.baseAddress!, O = o.baseAddress!, GH = a.baseAddress!, GW = c.baseAddress!
                    guard products.tiled else {
                        for h in 0..<heads {
                            let ah = GH + h * rows * th, cw = GW + h * rows * tw, qh = Q + h * d, oq = O + h * d, beta: Float = h == 0 ? 0 : 1
                            BLAS.sgemm(m: rows, n: d, k: th, a: ah, lda: th, b: hb.baseAddress!, ldb: d, beta: 1, c: oq, ldc: 3 * C)
                            BLAS.sgemm(m: rows, n: d, k: tw, a: cw, lda: tw, b: wb.baseAddress!, ldb: d, beta: 1, c: oq, ldc: 3 * C)
                            BLAS.sgemm(transA: true, m: th, n: d, k: rows, a: ah, lda: th, b: qh, ldb: 3 * C, beta: beta, c: dh.baseAddress!, ldc: d)
                            BLAS.sgemm(transA: true, m: tw, n: d, k: rows, a: cw, lda: tw, b: qh, ldb: 3 * C, beta: beta, c: dw.baseAddress!, ldc: d)
                        }
                        return
                    }
                    // The attention tiles: dq in parallel over rows; each head's table gradients into its own
                    // partial, summed over heads in order afterwards (the same result for any thread count).
                    let partials = UnsafeMutablePointer<Float>.allocate(capacity: heads * (th + tw) * d)
                    defer { partials.deallocate() }
                    forEachHeadRun(heads: heads, rows: rows) { h, r, i, n in
                        let oq = O + r * 3 * C + h * d
                        products.apply(n: n, m: th, width: d, a: GH + i * th, b: hb.baseAddress!, c: oq, ldc: 3 * C, accumulate: true)
                        products.apply(n: n, m: tw, width: d, a: GW + i * tw, b: wb.baseAddress!, c: oq, ldc: 3 * C, accumulate: true)
                    }
                    Parallel.forEach(heads, grain: 1) { range in
                        for h in range {
                            let part = partials + h * (th + tw) * d, qh = Q + h * d
                            products.transposed(n: rows, m: th, width: d, a: GH + h * rows * th, b: qh, ldb: 3 * C, c: part, accumulate: false)
                            products.transposed(n: rows, m: tw, width: d, a: GW + h * rows * tw, b: qh, ldb: 3 * C, c: part + th * d,
                                                accumulate: false)
                        }
                    }
                    for j in 0..<(th * d) { var s: Float = 0; for h in 0..<heads { s += partials[h * (th + tw) * d + j] }; dh[j] = s }
                    for j in 0..<(tw * d) { var s: Float = 0; for h in 0..<heads { s += partials[h * (th + tw) * d + th * d + j] }; dw[j] = s }
                } }
            } }
        } } } }
        return [need[0] ? dp : nil, need[1] ? dRH : nil, need[2] ? dRW : nil]
    } }
}

/// Runs `body(head, row, item row, count)` in parallel over the `heads · rows` head-major rows of token
/// attention's relative-position tables, one head's contiguous run of rows at a time: rows `row ..< row + count`
/// of head `head`, which are rows `item row ..< item row + count` of the `[heads · rows, …]` table.
private func forEachHeadRun(heads: Int, rows: Int, _ body: (_ head: Int, _ row: Int, _ index: Int, _ count: Int) -> Void) {
    Parallel.forEach(heads * rows, grain: 256) { range in
        var i = range.lowerBound
        while i < range.upperBound {
            let h = i / rows, r = i % rows, n = Swift.min(range.upperBound - i, rows - r)
            body(h, r, i, n)
            i += n
        }
    }
}
