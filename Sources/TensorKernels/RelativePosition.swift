import TensorCore

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
