import TensorCore

/// 2-D convolution on `[B, C, H, W]` tensors (PyTorch `F.conv2d` semantics) by im2col + GEMM,
/// with a pure reshape + GEMM path for patchify (stride == kernel, no padding) and for 1×1 convs.
public struct Conv2dGeometry: Sendable, Equatable {
    public var stride: Int, padding: Int, dilation: Int, groups: Int
    public init(stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }
    /// Output extent for an input extent `n` and kernel extent `k`.
    public func outputExtent(_ n: Int, kernel k: Int) -> Int { (n + 2 * padding - dilation * (k - 1) - 1) / stride + 1 }
}

public enum Conv2d {
    /// `y[B, Cout, Ho, Wo] = conv(x[B, Cin, H, W], w[Cout, Cin/groups, kh, kw]) + b[Cout]`.
    public static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2dGeometry) -> Tensor {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (O, Cg, KH, KW) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let G = geo.groups
        precondition(x.rank == 4 && C == Cg * G && O % G == 0, "conv2d: x \(x.shape) w \(w.shape) groups \(G)")
        let Ho = geo.outputExtent(H, kernel: KH), Wo = geo.outputExtent(W, kernel: KW)
        let L = Ho * Wo, K = Cg * KH * KW, Og = O / G
        if DepthwiseConv2d.applies(channels: C, weight: w.shape, geo) { return DepthwiseConv2d.forward(x, w, b, geo) }
        if isPatchify(x.shape, w.shape, geo) {
            // [B, C, Ho, KH, Wo, KW] -> [B, Ho, Wo, C, KH, KW] rows, times wᵀ, -> [B, O, Ho, Wo]
            let rows = x.reshaped([B, C, Ho, KH, Wo, KW]).permuted([0, 2, 4, 1, 3, 5]).reshaped([B * L, C * KH * KW])
            let y = MatMul.linear(rows, w.reshaped([O, C * KH * KW]), b)
            return y.reshaped([B, Ho, Wo, O]).permuted([0, 3, 1, 2])
        }
        let direct = KH == 1 && KW == 1 && geo.stride == 1 && geo.padding == 0
        // Each output row starts as its bias and the GEMM adds into it (beta 1: no zeroing pass by OpenBLAS
        // and no bias pass after); without a bias the GEMM (beta 0) writes every element.
        var y = Tensor(shape: [B, O, Ho, Wo]) { yb in
            guard let b else { return }
            b.withUnsafeBufferPointer { bb in
                let yp = yb.baseAddress!
                Parallel.forEach(B * O, grain: Swift.max(1, 16384 / Swift.max(L, 1))) { r in
                    for p in r { (yp + p * L).initialize(repeating: bb[p % O], count: L) }
                }
            }
        }
        let beta: Float = b == nil ? 0 : 1
        var col = [Float](repeating: 0, count: direct ? 0 : K * L)
        x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in y.withUnsafeMutableBufferPointer { yb in
            col.withUnsafeMutableBufferPointer { cb in
                for n in 0..<B {
                    for g in 0..<G {
                        let xin = xb.baseAddress! + (n * C + g * Cg) * H * W
                        let src: UnsafePointer<Float>
                        if direct { src = UnsafePointer(xin) } else {
                            im2col(xin, Cg, H, W, KH, KW, Ho, Wo, geo, cb.baseAddress!)
                            src = UnsafePointer(cb.baseAddress!)
                        }
                        BLAS.sgemm(m: Og, n: L, k: K, a: wb.baseAddress! + g * Og * K, lda: K, b: src, ldb: L,
                                   beta: beta, c: yb.baseAddress! + (n * O + g * Og) * L, ldc: L, precision: Precision.current)
                    }
                }
            }
        } } }
        return y
    }

    static func isPatchify(_ xs: [Int], _ ws: [Int], _ geo: Conv2dGeometry) -> Bool {
        geo.groups == 1 && geo.padding == 0 && geo.dilation == 1 && ws[2] == geo.stride && ws[3] == geo.stride
            && geo.stride > 1 && xs[2] % geo.stride == 0 && xs[3] % geo.stride == 0
    }

    /// `col[(c·KH + i)·KW + j, oh·Wo + ow] = x[c, oh·s − p + i·d, ow·s − p + j·d]` (0 outside).
    static func im2col(_ x: UnsafePointer<Float>, _ C: Int, _ H: Int, _ W: Int, _ KH: Int, _ KW: Int,
                       _ Ho: Int, _ Wo: Int, _ geo: Conv2dGeometry, _ col: UnsafeMutablePointer<Float>) {
        let s = geo.stride, p = geo.padding, d = geo.dilation, L = Ho * Wo
        Parallel.forEach(C * KH * KW, grain: Swift.max(1, 8192 / Swift.max(L, 1))) { r in
            for row in r {
                let c = row / (KH * KW), i = (row / KW) % KH, j = row % KW
                let dst = col + row * L, plane = x + c * H * W
                for oh in 0..<Ho {
                    let ih = oh * s - p + i * d
                    let line = dst + oh * Wo
                    if ih < 0 || ih >= H { for ow in 0..<Wo { line[ow] = 0 }; continue }
                    let srow = plane + ih * W
                    for ow in 0..<Wo {
                        let iw = ow * s - p + j * d
                        line[ow] = (iw >= 0 && iw < W) ? srow[iw] : 0
                    }
                }
            }
        }
    }

    /// Adds `col` back into `x` (the adjoint of `im2col`); parallel over channels, so writes are disjoint.
    static func col2im(_ col: UnsafePointer<Float>, _ C: Int, _ H: Int, _ W: Int, _ KH: Int, _ KW: Int,
                       _ Ho: Int, _ Wo: Int, _ geo: Conv2dGeometry, _ x: UnsafeMutablePointer<Float>) {
        let s = geo.stride, p = geo.padding, d = geo.dilation, L = Ho * Wo
        Parallel.forEach(C, grain: 1) { r in
            for c in r {
                let plane = x + c * H * W
                for i in 0..<KH { for j in 0..<KW {
                    let src = col + ((c * KH + i) * KW + j) * L
                    for oh in 0..<Ho {
                        let ih = oh * s - p + i * d
                        if ih < 0 || ih >= H { continue }
                        let line = src + oh * Wo, drow = plane + ih * W
                        for ow in 0..<Wo {
                            let iw = ow * s - p + j * d
                            if iw >= 0 && iw < W { drow[iw] += line[ow] }
                        }
                    }
                } }
            }
        }
    }

    /// `g [B, C, Ho, Wo]` summed over images and pixels → `[C]` (the bias gradient): one GEMV per image
    /// against a vector of ones, accumulated.
    static func channelSums(_ g: Tensor) -> Tensor {
        let (B, C) = (g.shape[0], g.shape[1]), L = g.shape[2] * g.shape[3]
        let ones = [Float](repeating: 1, count: Swift.max(L, 1))
        var out = Tensor(shape: [C], repeating: 0)
        g.withUnsafeBufferPointer { gb in ones.withUnsafeBufferPointer { ob in out.withUnsafeMutableBufferPointer { db in
            for n in 0..<B {
                BLAS.sgemm(m: C, n: 1, k: L, a: gb.baseAddress! + n * C * L, lda: Swift.max(L, 1), b: ob.baseAddress!, ldb: 1,
                           beta: 1, c: db.baseAddress!, ldc: 1)
            }
        } } }
        return out
    }

    /// Gradients of `forward` for the upstream `g [B, Cout, Ho, Wo]`.
    public static func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, _ geo: Conv2dGeometry,
                                needX: Bool, needW: Bool, needB: Bool) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (O, Cg, KH, KW) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let G = geo.groups, Ho = g.shape[2], Wo = g.shape[3]
        let L = Ho * Wo, K = Cg * KH * KW, Og = O / G
        if DepthwiseConv2d.applies(channels: C, weight: w.shape, geo) {
            return DepthwiseConv2d.backward(x, w, g, geo, needX: needX, needW: needW, needB: needB)
        }
        let db: Tensor? = needB ? channelSums(g) : nil
        if isPatchify(x.shape, w.shape, geo) {
            let gRows = g.permuted([0, 2, 3, 1]).reshaped([B * L, O])
            var dx: Tensor? = nil, dw: Tensor? = nil
            if needX {
                dx = MatMul.linearInputGrad(gRows, w.reshaped([O, K]), inputShape: [B, Ho, Wo, C, KH, KW])
                    .permuted([0, 3, 1, 4, 2, 5]).reshaped([B, C, H, W])
            }
            if needW {
                let rows = x.reshaped([B, C, Ho, KH, Wo, KW]).permuted([0, 2, 4, 1, 3, 5]).reshaped([B * L, K])
                dw = MatMul.linearWeightGrad(gRows, rows, n: O).reshaped(w.shape)
            }
            return (dx, dw, db)
        }
        let direct = KH == 1 && KW == 1 && geo.stride == 1 && geo.padding == 0
        // Each (image, group) writes its own region of dx, whole: a 1×1 conv's product overwrites it, and
        // col2im adds into it after it is zeroed; so dx starts uninitialised (no serial fill of it all).
        var dx = needX ? Tensor(shape: x.shape, unsafeUninitialized: { _ in }) : Tensor(0)
        var dw = needW ? Tensor(shape: w.shape, repeating: 0) : Tensor(0)
        // a 1×1 conv reads x and writes dx in place; otherwise im2col writes every entry of col
        var col = [Float](unsafeUninitializedCapacity: direct ? 0 : K * L) { _, count in count = direct ? 0 : K * L }
        x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in g.withUnsafeBufferPointer { gb in
            dx.withUnsafeMutableBufferPointer { dxb in dw.withUnsafeMutableBufferPointer { dwb in
                col.withUnsafeMutableBufferPointer { cb in
                    for n in 0..<B {
                        for grp in 0..<G {
                            let gout = gb.baseAddress! + (n * O + grp * Og) * L
                            let xin = xb.baseAddress! + (n * C + grp * Cg) * H * W
                            if needW {
                                let src: UnsafePointer<Float>
                                if direct { src = xin } else {
                                    im2col(xin, Cg, H, W, KH, KW, Ho, Wo, geo, cb.baseAddress!)
                                    src = UnsafePointer(cb.baseAddress!)
                                }
                                // dw_g[Og, K] += g[Og, L] · colᵀ[L, K]
                                BLAS.sgemm(transB: true, m: Og, n: K, k: L, a: gout, lda: L, b: src, ldb: L,
                                           beta: 1, c: dwb.baseAddress! + grp * Og * K, ldc: K, precision: Precision.current)
                            }
                            if needX {
                                let dxin = dxb.baseAddress! + (n * C + grp * Cg) * H * W
                                if direct {
                                    BLAS.sgemm(transA: true, m: K, n: L, k: Og, a: wb.baseAddress! + grp * Og * K, lda: K,
                                               b: gout, ldb: L, c: dxin, ldc: L, precision: Precision.current)
                                } else {
                                    // dcol[K, L] = w_gᵀ · g, then col2im
                                    BLAS.sgemm(transA: true, m: K, n: L, k: Og, a: wb.baseAddress! + grp * Og * K, lda: K,
                                               b: gout, ldb: L, c: cb.baseAddress!, ldc: L, precision: Precision.current)
                                    dxin.update(repeating: 0, count: Cg * H * W)
                                    col2im(cb.baseAddress!, Cg, H, W, KH, KW, Ho, Wo, geo, dxin)
                                }
                            }
                        }
                    }
                }
            } }
        } } }
        return (needX ? dx : nil, needW ? dw : nil, db)
    }
}
