/// Scaled dot-product attention over a batch of heads with an optional additive bias:
/// `P = softmax(scale · q·kᵀ + bias)`, `out = P·v` for `q [B, N, d]`, `k [B, M, d]`, `v [B, M, dv]`,
/// `bias [B, N, M]`. The probabilities `P [B, N, M]` are kept for backward.
public enum Attention {
    public static func forward(q: Tensor, k: Tensor, v: Tensor, bias: Tensor?, scale: Float) -> (out: Tensor, probs: Tensor) {
        let (B, N, d) = (q.shape[0], q.shape[1], q.shape[2])
        let M = k.shape[1], dv = v.shape[2]
        precondition(k.shape == [B, M, d] && v.shape[0] == B && v.shape[1] == M, "attention: q \(q.shape) k \(k.shape) v \(v.shape)")
        if let bias { precondition(bias.shape == [B, N, M], "attention: bias \(bias.shape), expected \([B, N, M])") }
        var probs: Tensor
        if let bias { probs = bias } else { probs = Tensor(shape: [B, N, M], repeating: 0) }
        let beta: Float = bias == nil ? 0 : 1
        var out = Tensor(shape: [B, N, dv], repeating: 0)
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            probs.withUnsafeMutableBufferPointer { pb in out.withUnsafeMutableBufferPointer { ob in
                let P = pb.baseAddress!
                for i in 0..<B {
                    BLAS.sgemm(transB: true, m: N, n: M, k: d, alpha: scale, a: qb.baseAddress! + i * N * d, lda: d,
                               b: kb.baseAddress! + i * M * d, ldb: d, beta: beta, c: P + i * N * M, ldc: M)
                }
                Parallel.forEach(B * N, grain: Swift.max(1, 4096 / Swift.max(M, 1))) { r in
                    for row in r { Softmax.row(P + row * M, P + row * M, M) }
                }
                for i in 0..<B {
                    BLAS.sgemm(m: N, n: dv, k: M, a: P + i * N * M, lda: M, b: vb.baseAddress! + i * M * dv, ldb: dv,
                               c: ob.baseAddress! + i * N * dv, ldc: dv)
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
        var dS = Tensor(shape: [B, N, M], repeating: 0)
        var dq = need.q ? Tensor(shape: q.shape, repeating: 0) : Tensor(0)
        var dk = need.k ? Tensor(shape: k.shape, repeating: 0) : Tensor(0)
        var dV = need.v ? Tensor(shape: v.shape, repeating: 0) : Tensor(0)
        q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            probs.withUnsafeBufferPointer { pb in g.withUnsafeBufferPointer { gb in dS.withUnsafeMutableBufferPointer { sb in
                dq.withUnsafeMutableBufferPointer { dqb in dk.withUnsafeMutableBufferPointer { dkb in dV.withUnsafeMutableBufferPointer { dvb in
                    let P = pb.baseAddress!, S = sb.baseAddress!, G = gb.baseAddress!
                    for i in 0..<B {
                        // dP[N, M] = g[N, dv] · vᵀ ; dV[M, dv] = Pᵀ · g
                        BLAS.sgemm(transB: true, m: N, n: M, k: dvn, a: G + i * N * dvn, lda: dvn, b: vb.baseAddress! + i * M * dvn, ldb: dvn,
                                   c: S + i * N * M, ldc: M)
                        if need.v {
                            BLAS.sgemm(transA: true, m: M, n: dvn, k: N, a: P + i * N * M, lda: M, b: G + i * N * dvn, ldb: dvn,
                                       c: dvb.baseAddress! + i * M * dvn, ldc: dvn)
                        }
                    }
                    Parallel.forEach(B * N, grain: Swift.max(1, 4096 / Swift.max(M, 1))) { r in
                        for row in r { Softmax.rowBackward(P + row * M, S + row * M, S + row * M, M) }
                    }
                    for i in 0..<B {
                        if need.q {  // dq = scale · dS · k
                            BLAS.sgemm(m: N, n: d, k: M, alpha: scale, a: S + i * N * M, lda: M, b: kb.baseAddress! + i * M * d, ldb: d,
                                       c: dqb.baseAddress! + i * N * d, ldc: d)
                        }
                        if need.k {  // dk = scale · dSᵀ · q
                            BLAS.sgemm(transA: true, m: M, n: d, k: N, alpha: scale, a: S + i * N * M, lda: M, b: qb.baseAddress! + i * N * d, ldb: d,
                                       c: dkb.baseAddress! + i * M * d, ldc: d)
                        }
                    }
                } } }
            } } }
        } } }
        return (need.q ? dq : nil, need.k ? dk : nil, need.v ? dV : nil, need.bias ? dS : nil)
    }
}

/// SAM's decomposed relative position bias (`add_decomposed_rel_pos`, q_size == k_size):
/// `bias[b, (qh, qw), (kh, kw)] = Σ_c q[b, qh·w + qw, c] · (relH[qh − kh + h − 1, c] + …w…)`,
/// written out as `relH`-term + `relW`-term. `q [B, h·w, C]` (unscaled), `relH [2h − 1, C]`, `relW [2w − 1, C]`.
public enum RelativePosition {
    public static func forward(q: Tensor, relH: Tensor, relW: Tensor, h: Int, w: Int) -> Tensor {
        let B = q.shape[0], C = q.shape[2], L = h * w
        precondition(q.shape[1] == L && relH.shape == [2 * h - 1, C] && relW.shape == [2 * w - 1, C],
                     "relpos: q \(q.shape) relH \(relH.shape) relW \(relW.shape) for \(h)x\(w)")
        return q.withUnsafeBufferPointer { qb in relH.withUnsafeBufferPointer { hb in relW.withUnsafeBufferPointer { wb in
            Tensor(shape: [B, L, L]) { ob in
                let Q = qb.baseAddress!, RH = hb.baseAddress!, RW = wb.baseAddress!, O = ob.baseAddress!
                Parallel.forEach(B * L, grain: 8) { r in
                    var th = [Float](repeating: 0, count: h), tw = [Float](repeating: 0, count: w)
                    for row in r {
                        let p = row % L, qh = p / w, qw = p % w
                        let qv = Q + row * C
                        for kh in 0..<h { let t = RH + (qh - kh + h - 1) * C; var s: Float = 0; for c in 0..<C { s += qv[c] * t[c] }; th[kh] = s }
                        for kw in 0..<w { let t = RW + (qw - kw + w - 1) * C; var s: Float = 0; for c in 0..<C { s += qv[c] * t[c] }; tw[kw] = s }
                        let o = O + row * L
                        for kh in 0..<h { for kw in 0..<w { o[kh * w + kw] = th[kh] + tw[kw] } }
                    }
                }
            }
        } } }
    }

    /// Gradients for q, relH and relW from `g [B, L, L]`.
    public static func backward(q: Tensor, relH: Tensor, relW: Tensor, h: Int, w: Int, g: Tensor,
                                needQ: Bool, needTables: Bool) -> (dq: Tensor?, dRelH: Tensor?, dRelW: Tensor?) {
        let B = q.shape[0], C = q.shape[2], L = h * w
        // Gh[b, p, kh] = Σ_kw g ; Gw[b, p, kw] = Σ_kh g
        var gh = [Float](repeating: 0, count: B * L * h), gw = [Float](repeating: 0, count: B * L * w)
        g.withUnsafeBufferPointer { gb in gh.withUnsafeMutableBufferPointer { hb in gw.withUnsafeMutableBufferPointer { wb in
            let G = gb.baseAddress!, GH = hb.baseAddress!, GW = wb.baseAddress!
            Parallel.forEach(B * L, grain: 16) { r in
                for row in r {
                    let src = G + row * L
                    for kh in 0..<h { for kw in 0..<w { let v = src[kh * w + kw]; GH[row * h + kh] += v; GW[row * w + kw] += v } }
                }
            }
        } } }
        var dq: Tensor? = nil, dRH: Tensor? = nil, dRW: Tensor? = nil
        if needQ {
            dq = relH.withUnsafeBufferPointer { hb in relW.withUnsafeBufferPointer { wb in
                gh.withUnsafeBufferPointer { ghb in gw.withUnsafeBufferPointer { gwb in
                    Tensor(shape: q.shape) { ob in
                        let RH = hb.baseAddress!, RW = wb.baseAddress!, O = ob.baseAddress!
                        Parallel.forEach(B * L, grain: 8) { r in
                            for row in r {
                                let p = row % L, qh = p / w, qw = p % w
                                let o = O + row * C
                                for c in 0..<C { o[c] = 0 }
                                for kh in 0..<h { let s = ghb[row * h + kh], t = RH + (qh - kh + h - 1) * C; for c in 0..<C { o[c] += s * t[c] } }
                                for kw in 0..<w { let s = gwb[row * w + kw], t = RW + (qw - kw + w - 1) * C; for c in 0..<C { o[c] += s * t[c] } }
                            }
                        }
                    }
                } }
            } }
        }
        if needTables {
            var th = Tensor(shape: relH.shape, repeating: 0), tw = Tensor(shape: relW.shape, repeating: 0)
            q.withUnsafeBufferPointer { qb in th.withUnsafeMutableBufferPointer { thb in tw.withUnsafeMutableBufferPointer { twb in
                let Q = qb.baseAddress!, TH = thb.baseAddress!, TW = twb.baseAddress!
                // Parallel over table rows: row t of relH receives (qh, kh) pairs with qh − kh = t − h + 1.
                Parallel.forEach(2 * h - 1, grain: 1) { r in
                    for t in r {
                        let dst = TH + t * C
                        for qh in 0..<h { let kh = qh - (t - h + 1); if kh < 0 || kh >= h { continue }
                            for b in 0..<B { for qw in 0..<w {
                                let row = b * L + qh * w + qw, s = gh[row * h + kh], qv = Q + row * C
                                for c in 0..<C { dst[c] += s * qv[c] }
                            } }
                        }
                    }
                }
                Parallel.forEach(2 * w - 1, grain: 1) { r in
                    for t in r {
                        let dst = TW + t * C
                        for qw in 0..<w { let kw = qw - (t - w + 1); if kw < 0 || kw >= w { continue }
                            for b in 0..<B { for qh in 0..<h {
                                let row = b * L + qh * w + qw, s = gw[row * w + kw], qv = Q + row * C
                                for c in 0..<C { dst[c] += s * qv[c] }
                            } }
                        }
                    }
                }
            } } }
            dRH = th; dRW = tw
        }
        return (dq, dRH, dRW)
    }
}
