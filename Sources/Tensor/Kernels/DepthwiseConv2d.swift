/// Direct depthwise convolution (`groups == Cin == Cout`, one filter per channel), as used by
/// TinyViT's MBConv and patch merging: `y[b, c] = bias[c] + Σ_ij w[c, 0, i, j] · x[b, c, oh·s − p + i·d, ow·s − p + j·d]`.
/// Parallel over planes (forward, dx) and over channels (dw): every write is owned by one thread.
public enum DepthwiseConv2d {
    /// Whether `Conv2d` should take this path for weight `w [O, Cin/groups, kh, kw]`.
    public static func applies(channels C: Int, weight w: [Int], _ geo: Conv2dGeometry) -> Bool {
        geo.groups == C && w[0] == C && w[1] == 1 && C > 1
    }

    /// Valid output columns `lo..<hi` for kernel column offset `off = j·d − p` (input column `ow·s + off`).
    @inline(__always) static func range(_ off: Int, _ s: Int, _ inExtent: Int, _ outExtent: Int) -> Range<Int> {
        let lo = off >= 0 ? 0 : (-off + s - 1) / s
        let hiIncl = (inExtent - 1 - off) >= 0 ? (inExtent - 1 - off) / s : -1
        let hi = Swift.min(outExtent, hiIncl + 1)
        return lo < hi ? lo..<hi : 0..<0
    }

    public static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2dGeometry) -> Tensor {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (KH, KW) = (w.shape[2], w.shape[3])
        let Ho = geo.outputExtent(H, kernel: KH), Wo = geo.outputExtent(W, kernel: KW)
        let (s, p, d) = (geo.stride, geo.padding, geo.dilation)
        let bv = b?.scalars
        return x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
            Tensor(shape: [B, C, Ho, Wo]) { yb in
                let X = xb.baseAddress!, Wt = wb.baseAddress!, Y = yb.baseAddress!
                Parallel.forEach(B * C, grain: 1) { r in
                    for plane in r {
                        let c = plane % C, xin = X + plane * H * W, out = Y + plane * Ho * Wo, k = Wt + c * KH * KW
                        let bias = bv?[c] ?? 0
                        for i in 0..<(Ho * Wo) { out[i] = bias }
                        for i in 0..<KH {
                            let rows = range(i * d - p, s, H, Ho)
                            for j in 0..<KW {
                                let cols = range(j * d - p, s, W, Wo), wv = k[i * KW + j]
                                for oh in rows {
                                    let src = xin + (oh * s + i * d - p) * W + j * d - p, dst = out + oh * Wo
                                    if s == 1 { for ow in cols { dst[ow] += wv * src[ow] } }
                                    else { for ow in cols { dst[ow] += wv * src[ow * s] } }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }

    public static func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, _ geo: Conv2dGeometry,
                                needX: Bool, needW: Bool, needB: Bool) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (KH, KW) = (w.shape[2], w.shape[3])
        let Ho = g.shape[2], Wo = g.shape[3]
        let (s, p, d) = (geo.stride, geo.padding, geo.dilation)
        var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
        x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in g.withUnsafeBufferPointer { gb in
            let X = xb.baseAddress!, Wt = wb.baseAddress!, G = gb.baseAddress!
            if needX {
                dx = Tensor(shape: x.shape) { ob in
                    let O = ob.baseAddress!
                    Parallel.forEach(B * C, grain: 1) { r in
                        for plane in r {
                            let c = plane % C, din = O + plane * H * W, gin = G + plane * Ho * Wo, k = Wt + c * KH * KW
                            for i in 0..<(H * W) { din[i] = 0 }
                            for i in 0..<KH {
                                let rows = range(i * d - p, s, H, Ho)
                                for j in 0..<KW {
                                    let cols = range(j * d - p, s, W, Wo), wv = k[i * KW + j]
                                    for oh in rows {
                                        let dst = din + (oh * s + i * d - p) * W + j * d - p, src = gin + oh * Wo
                                        if s == 1 { for ow in cols { dst[ow] += wv * src[ow] } }
                                        else { for ow in cols { dst[ow * s] += wv * src[ow] } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if needW || needB {
                // Per channel: each tap's products (and, for db, the gradient itself) accumulate into a row of
                // `Wo` lanes over all rows and images (vectorisable: no loop-carried sum), then the lanes are summed.
                var dwOut = needW ? Tensor(shape: w.shape, unsafeUninitialized: { _ in }) : nil
                var dbOut = needB ? Tensor(shape: [C], unsafeUninitialized: { _ in }) : nil
                let DW = dwOut == nil ? nil : dwOut!.withUnsafeMutableBufferPointer { $0.baseAddress! }
                let DB = dbOut == nil ? nil : dbOut!.withUnsafeMutableBufferPointer { $0.baseAddress! }
                Parallel.forEach(C, grain: 1) { r in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: Swift.max(Wo, 1)) { lb in
                        let lane = lb.baseAddress!
                        func total(_ cols: Range<Int>) -> Float { var acc: Float = 0; for ow in cols { acc += lane[ow] }; return acc }
                        for c in r {
                            if let DB {
                                lane.initialize(repeating: 0, count: Wo)
                                for n in 0..<B {
                                    let gin = G + (n * C + c) * Ho * Wo
                                    for oh in 0..<Ho { let gr = gin + oh * Wo; for ow in 0..<Wo { lane[ow] += gr[ow] } }
                                }
                                DB[c] = total(0..<Wo)
                            }
                            guard let DW else { continue }
                            for i in 0..<KH {
                                let rows = range(i * d - p, s, H, Ho)
                                for j in 0..<KW {
                                    let cols = range(j * d - p, s, W, Wo)
                                    lane.initialize(repeating: 0, count: Wo)
                                    for n in 0..<B {
                                        let plane = n * C + c, xin = X + plane * H * W, gin = G + plane * Ho * Wo
                                        for oh in rows {
                                            let src = xin + (oh * s + i * d - p) * W + j * d - p, gr = gin + oh * Wo
                                            if s == 1 { for ow in cols { lane[ow] += gr[ow] * src[ow] } }
                                            else { for ow in cols { lane[ow] += gr[ow] * src[ow * s] } }
                                        }
                                    }
                                    DW[(c * KH + i) * KW + j] = total(cols)
                                }
                            }
                        }
                    }
                }
                dw = dwOut
                db = dbOut
            }
        } } }
        return (dx, dw, db)
    }
}
