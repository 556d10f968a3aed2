/// Layer normalisation over the last axis (`nn.LayerNorm(D)`) and over the channel axis of
/// `[B, C, H, W]` (SAM's `LayerNorm2d`). Statistics are per row, biased variance, in Double.
public enum LayerNorm {
    /// Saved per-row statistics for backward.
    public struct Stats { public var mean: [Float]; public var rstd: [Float] }

    /// `y = (x − μ) / √(σ² + eps) · w + b` over the last axis of `x [..., D]`.
    public static func forward(_ x: Tensor, _ w: Tensor?, _ b: Tensor?, eps: Float) -> (Tensor, Stats) {
        let d = x.shape.last!, rows = x.count / Swift.max(d, 1)
        var mean = [Float](repeating: 0, count: rows), rstd = [Float](repeating: 0, count: rows)
        let y = x.withUnsafeBufferPointer { xb in
            Tensor(shape: x.shape) { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                let wv = w?.scalars, bv = b?.scalars
                mean.withUnsafeMutableBufferPointer { mb in rstd.withUnsafeMutableBufferPointer { rb in
                    let mp = mb.baseAddress!, rp = rb.baseAddress!
                    Parallel.forEach(rows, grain: Swift.max(1, 4096 / Swift.max(d, 1))) { r in
                        for i in r {
                            let row = xp + i * d, out = yp + i * d
                            var s = 0.0
                            for j in 0..<d { s += Double(row[j]) }
                            let mu = s / Double(d)
                            var v = 0.0
                            for j in 0..<d { let t = Double(row[j]) - mu; v += t * t }
                            let rs = 1 / (v / Double(d) + Double(eps)).squareRoot()
                            let m = Float(mu), q = Float(rs)
                            mp[i] = m; rp[i] = q
                            for j in 0..<d {
                                var t = (row[j] - m) * q
                                if let wv { t *= wv[j] }
                                if let bv { t += bv[j] }
                                out[j] = t
                            }
                        }
                    }
                } }
            }
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
                Tensor(shape: x.shape) { db in
                    let xp = xb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                    stats.mean.withUnsafeBufferPointer { mb in stats.rstd.withUnsafeBufferPointer { rb in
                        Parallel.forEach(rows, grain: Swift.max(1, 4096 / Swift.max(d, 1))) { r in
                            for i in r {
                                let row = xp + i * d, gr = gp + i * d, out = dp + i * d
                                let m = mb[i], q = rb[i]
                                var s1: Float = 0, s2: Float = 0
                                for j in 0..<d {
                                    let gh = wv.map { gr[j] * $0[j] } ?? gr[j]
                                    let xh = (row[j] - m) * q
                                    s1 += gh; s2 += gh * xh
                                }
                                let a = s1 / Float(d), c = s2 / Float(d)
                                for j in 0..<d {
                                    let gh = wv.map { gr[j] * $0[j] } ?? gr[j]
                                    let xh = (row[j] - m) * q
                                    out[j] = q * (gh - a - xh * c)
                                }
                            }
                        }
                    } }
                }
            } }
        }
        var dw: Tensor? = nil, dbias: Tensor? = nil
        if needParams {
            // Parallel over columns; each column sums all rows serially (in Double): thread-count independent.
            var gw = [Double](repeating: 0, count: d), gb = [Double](repeating: 0, count: d)
            x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gbuf in
                stats.mean.withUnsafeBufferPointer { mb in stats.rstd.withUnsafeBufferPointer { rb in
                    gw.withUnsafeMutableBufferPointer { gwb in gb.withUnsafeMutableBufferPointer { gbb in
                        let X = xb.baseAddress!, G = gbuf.baseAddress!, GW = gwb.baseAddress!, GB = gbb.baseAddress!
                        Parallel.forEach(d, grain: 32) { r in
                            for i in 0..<rows {
                                let m = mb[i], q = rb[i], xr = X + i * d, gr = G + i * d
                                for j in r { let gv = gr[j]; GW[j] += Double(gv * (xr[j] - m) * q); GB[j] += Double(gv) }
                            }
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
