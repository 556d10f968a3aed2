import CEngineKernels
import TensorCore

/// Layer normalisation over the last axis (`nn.LayerNorm(D)`) and over the channel axis of
/// `[B, C, H, W]` (SAM's `LayerNorm2d`). Statistics are per row, biased variance; the row loops are
/// the C kernels of `layernorm.c`, in parallel over rows (forward, input gradient) or columns (weight
/// and bias gradients, summed in Double, so independent of the thread count).
public enum LayerNorm {
    /// Saved per-row statistics for backward.
    public struct Stats { public var mean: [Float]; public var rstd: [Float] }

    /// Rows per parallel task: about 4096 values.
    static func grain(_ d: Int) -> Int { Swift.max(1, 4096 / Swift.max(d, 1)) }

    /// `y = (x − μ) / √(σ² + eps) · w + b` over the last axis of `x [..., D]`.
    public static func forward(_ x: Tensor, _ w: Tensor?, _ b: Tensor?, eps: Float) -> (Tensor, Stats) {
        let d = x.shape.last!, rows = x.count / Swift.max(d, 1)
        var mean = [Float](repeating: 0, count: rows), rstd = [Float](repeating: 0, count: rows)
        let wv = w?.scalars, bv = b?.scalars
        let y = x.withUnsafeBufferPointer { xb in
            Tensor(shape: x.shape, unsafeUninitialized: { yb in
                mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                    wv.withOptionalPointer { W in bv.withOptionalPointer { B in
                        let X = xb.baseAddress!, Y = yb.baseAddress!, MP = mb.baseAddress!, RP = rb.baseAddress!
                        Parallel.forEach(rows, grain: grain(d)) { r in
                            engine_layernorm_forward_rows(X, W, B, d, r.lowerBound, r.upperBound, eps, Y, MP, RP)
                        }
                    } }
                } }
            })
        }
        return (y, Stats(mean: mean, rstd: rstd))
    }

    /// Gradients for `x`, `w`, `b` from the upstream `g`.
    public static func backward(_ x: Tensor, _ w: Tensor?, _ stats: Stats, _ g: Tensor,
                                needInput: Bool = true, needParams: Bool = true) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
        let d = x.shape.last!, rows = x.count / Swift.max(d, 1)
        let wv = w?.scalars
        var dx: Tensor? = nil
        if needInput {
            dx = x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in
                Tensor(shape: x.shape, unsafeUninitialized: { db in
                    stats.mean.withUnsafeBufferPointer { mb in stats.rstd.withUnsafeBufferPointer { rb in wv.withOptionalPointer { W in
                        let X = xb.baseAddress!, G = gb.baseAddress!, D = db.baseAddress!, MP = mb.baseAddress!, RP = rb.baseAddress!
                        Parallel.forEach(rows, grain: grain(d)) { r in
                            engine_layernorm_backward_rows(X, W, MP, RP, G, d, r.lowerBound, r.upperBound, D)
                        }
                    } } }
                })
            } }
        }
        var dw: Tensor? = nil, dbias: Tensor? = nil
        if needParams {
            var gw = [Double](repeating: 0, count: d), gb = [Double](repeating: 0, count: d)
            x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gbuf in
                stats.mean.withUnsafeBufferPointer { mb in stats.rstd.withUnsafeBufferPointer { rb in
                    gw.withUnsafeMutableBufferPointer { gwb in gb.withUnsafeMutableBufferPointer { gbb in
                        let X = xb.baseAddress!, G = gbuf.baseAddress!, GW = gwb.baseAddress!, GB = gbb.baseAddress!
                        let MP = mb.baseAddress!, RP = rb.baseAddress!
                        Parallel.forEach(d, grain: 32) { r in
                            engine_layernorm_param_grads(X, MP, RP, G, d, rows, r.lowerBound, r.upperBound, GW, GB)
                        }
                    } }
                } }
            } }
            dw = Tensor(shape: [d], values: gw.map { Float($0) })
            dbias = Tensor(shape: [d], values: gb.map { Float($0) })
        }
        return (dx, dw, dbias)
    }
}

private extension Optional where Wrapped == [Float] {
    /// The array's base address, or nil, for the duration of `body`.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let self else { return body(nil) }
        return self.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
