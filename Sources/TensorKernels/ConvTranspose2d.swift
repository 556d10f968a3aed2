import TensorCore

/// Transposed convolution with kernel == stride and no padding (SAM's 2×2 stride-2 upscaling):
/// `y[b, o, i·s + p, j·s + q] = Σ_c x[b, c, i, j] · w[c, o, p, q] + bias[o]`, one GEMM per image.
public enum ConvTranspose2d {
    public static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int) -> Tensor {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (Cw, O, KH, KW) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        precondition(Cw == C && KH == s && KW == s, "convTranspose2d: only kernel == stride is supported (x \(x.shape), w \(w.shape))")
        let L = H * W, M = O * s * s
        var tmp = [Float](repeating: 0, count: M * L)
        let bv = b?.scalars
        return Tensor(shape: [B, O, H * s, W * s]) { y in
            x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in tmp.withUnsafeMutableBufferPointer { tb in
                let T = tb.baseAddress!, Y = y.baseAddress!
                for n in 0..<B {
                    // tmp[M, L] = wᵀ[M, C] · x[C, L]
                    BLAS.sgemm(transA: true, m: M, n: L, k: C, a: wb.baseAddress!, lda: M, b: xb.baseAddress! + n * C * L, ldb: L,
                               c: T, ldc: L)
                    let Wout = W * s
                    Parallel.forEach(O, grain: 1) { r in
                        for o in r {
                            let bias = bv?[o] ?? 0
                            let plane = Y + (n * O + o) * H * s * Wout
                            for p in 0..<s { for q in 0..<s {
                                let src = T + ((o * s + p) * s + q) * L
                                for i in 0..<H { for j in 0..<W { plane[(i * s + p) * Wout + j * s + q] = src[i * W + j] + bias } }
                            } }
                        }
                    }
                }
            } } }
        }
    }

    public static func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, stride s: Int,
                                needX: Bool, needW: Bool, needB: Bool) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let O = w.shape[1], L = H * W, M = O * s * s
        let db: Tensor? = needB ? g.sum(axes: [0, 2, 3]) : nil
        var dx = needX ? Tensor(shape: x.shape, repeating: 0) : Tensor(0)
        var dw = needW ? Tensor(shape: w.shape, repeating: 0) : Tensor(0)
        var tmp = [Float](repeating: 0, count: M * L)
        x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in g.withUnsafeBufferPointer { gb in
            dx.withUnsafeMutableBufferPointer { dxb in dw.withUnsafeMutableBufferPointer { dwb in
                tmp.withUnsafeMutableBufferPointer { tb in
                    let T = tb.baseAddress!, Gp = gb.baseAddress!
                    let Wout = W * s
                    for n in 0..<B {
                        Parallel.forEach(O, grain: 1) { r in
                            for o in r {
                                let plane = Gp + (n * O + o) * H * s * Wout
                                for p in 0..<s { for q in 0..<s {
                                    let dst = T + ((o * s + p) * s + q) * L
                                    for i in 0..<H { for j in 0..<W { dst[i * W + j] = plane[(i * s + p) * Wout + j * s + q] } }
                                } }
                            }
                        }
                        if needX {  // dx[C, L] = w[C, M] · tmp[M, L]
                            BLAS.sgemm(m: C, n: L, k: M, a: wb.baseAddress!, lda: M, b: T, ldb: L, c: dxb.baseAddress! + n * C * L, ldc: L)
                        }
                        if needW {  // dw[C, M] += x[C, L] · tmpᵀ[L, M]
                            BLAS.sgemm(transB: true, m: C, n: M, k: L, a: xb.baseAddress! + n * C * L, lda: L, b: T, ldb: L,
                                       beta: 1, c: dwb.baseAddress!, ldc: M)
                        }
                    }
                }
            } }
        } } }
        return (needX ? dx : nil, needW ? dw : nil, db)
    }
}
