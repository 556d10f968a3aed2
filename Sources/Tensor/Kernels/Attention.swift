import CEngineKernels

/// Scaled dot-product attention over a batch of heads with an optional additive bias:
/// `P = softmax(scale · q·kᵀ + bias)`, `out = P·v` for `q [B, N, d]`, `k [B, M, d]`, `v [B, M, dv]`,
/// `bias [B, N, M]`. The probabilities `P [B, N, M]` are kept for backward. Each batch item (one
/// head of one window) is computed start to finish on one core (`BLAS.forEachItem`), so its
/// `N×M` block stays in cache between the GEMMs and the softmax.
public enum Attention {
    public static func forward(q: Tensor, k: Tensor, v: Tensor, bias: Tensor?, scale: Float) -> (out: Tensor, probs: Tensor) {
        let (B, N, d) = (q.shape[0], q.shape[1], q.shape[2])
        let M = k.shape[1], dv = v.shape[2]
        precondition(k.shape == [B, M, d] && v.shape[0] == B && v.shape[1] == M, "attention: q \(q.shape) k \(k.shape) v \(v.shape)")
        if let bias { precondition(bias.shape == [B, N, M], "attention: bias \(bias.shape), expected \([B, N, M])") }
        var probs = Tensor(shape: [B, N, M], unsafeUninitialized: { _ in })
        let beta: Float = bias == nil ? 0 : 1
        var out = Tensor(shape: [B, N, dv], unsafeUninitialized: { _ in })
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            probs.withUnsafeMutableBufferPointer { pb in out.withUnsafeMutableBufferPointer { ob in
                let P = pb.baseAddress!, Q = qb.baseAddress!, K = kb.baseAddress!, V = vb.baseAddress!, O = ob.baseAddress!
                let biasBox = UnsafeSendableBox(bias)
                BLAS.forEachItem(B) { i in
                    let Pi = P + i * N * M
                    if let b = biasBox.value { b.withUnsafeBufferPointer { Pi.update(from: $0.baseAddress! + i * N * M, count: N * M) } }
                    BLAS.sgemm(transB: true, m: N, n: M, k: d, alpha: scale, a: Q + i * N * d, lda: d,
                               b: K + i * M * d, ldb: d, beta: beta, c: Pi, ldc: M)
                    engine_softmax_rows(Pi, N, M)
                    BLAS.sgemm(m: N, n: dv, k: M, a: Pi, lda: M, b: V + i * M * dv, ldb: dv, c: O + i * N * dv, ldc: dv)
                }
            } }
        } } }
        return (out, probs)
    }

    /// Gradients for q, k, v and the bias (`dbias = dS`, the pre-softmax gradient).
    public static func backward(q: Tensor, k: Tensor, v: Tensor, probs: Tensor, g: Tensor, scale: Float,
                                need: (q: Bool, k: Bool, v: Bool, bias: Bool))
        -> (dq: Tensor?, dk: Tensor?, dv: Tensor?, dbias: Tensor?) {
        let (B, N, d) = (q.shape[0], q.shape[1], q.shape[2])
        let M = k.shape[1], dvn = v.shape[2]
        var dS = Tensor(shape: [B, N, M], unsafeUninitialized: { _ in })
        var dq = need.q ? Tensor(shape: q.shape, unsafeUninitialized: { _ in }) : Tensor(0)
        var dk = need.k ? Tensor(shape: k.shape, unsafeUninitialized: { _ in }) : Tensor(0)
        var dV = need.v ? Tensor(shape: v.shape, unsafeUninitialized: { _ in }) : Tensor(0)
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            probs.withUnsafeBufferPointer { pb in g.withUnsafeBufferPointer { gb in dS.withUnsafeMutableBufferPointer { sb in
                dq.withUnsafeMutableBufferPointer { dqb in dk.withUnsafeMutableBufferPointer { dkb in dV.withUnsafeMutableBufferPointer { dvb in
                    let P = pb.baseAddress!, S = sb.baseAddress!, G = gb.baseAddress!
                    let Q = qb.baseAddress!, K = kb.baseAddress!, V = vb.baseAddress!
                    let DQ = dqb.baseAddress!, DK = dkb.baseAddress!, DV = dvb.baseAddress!
                    BLAS.forEachItem(B) { i in
                        let Pi = P + i * N * M, Si = S + i * N * M, Gi = G + i * N * dvn
                        // dP[N, M] = g · vᵀ ; dV[M, dv] = Pᵀ · g
                        BLAS.sgemm(transB: true, m: N, n: M, k: dvn, a: Gi, lda: dvn, b: V + i * M * dvn, ldb: dvn, c: Si, ldc: M)
                        if need.v {
                            BLAS.sgemm(transA: true, m: M, n: dvn, k: N, a: Pi, lda: M, b: Gi, ldb: dvn, c: DV + i * M * dvn, ldc: dvn)
                        }
                        engine_softmax_backward_rows(Pi, Si, N, M)
                        if need.q {  // dq = scale · dS · k
                            BLAS.sgemm(m: N, n: d, k: M, alpha: scale, a: Si, lda: M, b: K + i * M * d, ldb: d, c: DQ + i * N * d, ldc: d)
                        }
                        if need.k {  // dk = scale · dSᵀ · q
                            BLAS.sgemm(transA: true, m: M, n: d, k: N, alpha: scale, a: Si, lda: M, b: Q + i * N * d, ldb: d,
                                       c: DK + i * M * d, ldc: d)
                        }
                    }
                } } }
            } } }
        } } }
        return (need.q ? dq : nil, need.k ? dk : nil, need.v ? dV : nil, need.bias ? dS : nil)
    }
}

/// SAM's decomposed relative position bias (`add_decomposed_rel_pos`, q_size == k_size):
/// `bias[b, (qh, qw), (kh, kw)] = q[b, qh·w + qw] · relH[qh − kh + h − 1] + q[b, qh·w + qw] · relW[qw − kw + w − 1]`
/// for `q [B, h·w, C]` (unscaled), `relH [2h − 1, C]`, `relW [2w − 1, C]`; output `[B, h·w, h·w]`.
///
/// All dot products go through GEMMs against the whole tables (`Zh = q · relHᵀ`, `[B·h·w, 2h − 1]`),
/// then a gather picks `Zh[row, qh − kh + h − 1]`; backward scatters into the same layout and uses
/// GEMMs for `dq` and the table gradients.
public enum RelativePosition {
    public static func forward(q: Tensor, relH: Tensor, relW: Tensor, h: Int, w: Int) -> Tensor {
        let B = q.shape[0], C = q.shape[2], L = h * w, rows = B * L
        precondition(q.shape[1] == L && relH.shape == [2 * h - 1, C] && relW.shape == [2 * w - 1, C],
                     "relpos: q \(q.shape) relH \(relH.shape) relW \(relW.shape) for \(h)x\(w)")
        let TH = 2 * h - 1, TW = 2 * w - 1
        let zh = MatMul.linear(q.reshaped([rows, C]), relH, nil), zw = MatMul.linear(q.reshaped([rows, C]), relW, nil)
        return zh.withUnsafeBufferPointer { hb in zw.withUnsafeBufferPointer { wb in
            Tensor(shape: [B, L, L]) { ob in
                let ZH = hb.baseAddress!, ZW = wb.baseAddress!, O = ob.baseAddress!
                Parallel.forEach(rows, grain: 64) { r in
                    for row in r {
                        let p = row % L, qh = p / w, qw = p % w
                        let zhr = ZH + row * TH + qh + h - 1, zwr = ZW + row * TW + qw + w - 1   // index with −kh, −kw
                        let o = O + row * L
                        for kh in 0..<h { let a = zhr[-kh], line = o + kh * w; for kw in 0..<w { line[kw] = a + zwr[-kw] } }
                    }
                }
            }
        } }
    }

    /// Gradients for q, relH and relW from `g [B, L, L]`.
    public static func backward(q: Tensor, relH: Tensor, relW: Tensor, h: Int, w: Int, g: Tensor,
                                needQ: Bool, needTables: Bool) -> (dq: Tensor?, dRelH: Tensor?, dRelW: Tensor?) {
        let B = q.shape[0], C = q.shape[2], L = h * w, rows = B * L
        let TH = 2 * h - 1, TW = 2 * w - 1
        // gZh[row, qh − kh + h − 1] = Σ_kw g[row, kh, kw]; gZw[row, qw − kw + w − 1] = Σ_kh g[row, kh, kw]; zero elsewhere.
        var gzh = Tensor(shape: [rows, TH], repeating: 0), gzw = Tensor(shape: [rows, TW], repeating: 0)
        g.withUnsafeBufferPointer { gb in gzh.withUnsafeMutableBufferPointer { hb in gzw.withUnsafeMutableBufferPointer { wb in
            let G = gb.baseAddress!, ZH = hb.baseAddress!, ZW = wb.baseAddress!
            Parallel.forEach(rows, grain: 64) { r in
                for row in r {
                    let p = row % L, qh = p / w, qw = p % w
                    let src = G + row * L, zh = ZH + row * TH + qh + h - 1, zw = ZW + row * TW + qw + w - 1
                    for kh in 0..<h {
                        let line = src + kh * w
                        var s: Float = 0
                        for kw in 0..<w { s += line[kw]; zw[-kw] += line[kw] }
                        zh[-kh] = s
                    }
                }
            }
        } } }
        var dq: Tensor? = nil
        if needQ {
            // dq[rows, C] = gZh · relH + gZw · relW
            var out = Tensor(shape: q.shape, repeating: 0)
            out.withUnsafeMutableBufferPointer { ob in gzh.withUnsafeBufferPointer { hb in gzw.withUnsafeBufferPointer { wb in
                relH.withUnsafeBufferPointer { th in relW.withUnsafeBufferPointer { tw in
                    BLAS.sgemm(m: rows, n: C, k: TH, a: hb.baseAddress!, lda: TH, b: th.baseAddress!, ldb: C, c: ob.baseAddress!, ldc: C)
                    BLAS.sgemm(m: rows, n: C, k: TW, a: wb.baseAddress!, lda: TW, b: tw.baseAddress!, ldb: C, beta: 1, c: ob.baseAddress!, ldc: C)
                } }
            } } }
            dq = out
        }
        var dRH: Tensor? = nil, dRW: Tensor? = nil
        if needTables {
            let q2 = q.reshaped([rows, C])
            dRH = MatMul.linearWeightGrad(gzh, q2, n: TH)   // gZhᵀ · q
            dRW = MatMul.linearWeightGrad(gzw, q2, n: TW)
        }
        return (dq, dRH, dRW)
    }
}
