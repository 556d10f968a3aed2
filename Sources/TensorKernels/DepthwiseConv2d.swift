import CEngineKernels
import TensorCore

/// Direct depthwise convolution (`groups == Cin == Cout`, one filter per channel), as used by
/// TinyViT's MBConv and patch merging: `y[b, c] = bias[c] + Σ_ij w[c, 0, i, j] · x[b, c, oh·s − p + i·d, ow·s − p + j·d]`.
/// Parallel over planes (forward, dx) and over channels (dw): every write is owned by one thread.
public enum DepthwiseConv2d {
    /// Whether `Conv2d` should take this path for weight `w [O, Cin/groups, kh, kw]`.
    public static func applies(channels C: Int, weight w: [Int], _ geo: Conv2dGeometry) -> Bool {
        geo.groups == C && w[0] == C && w[1] == 1 && C > 1
    }

    /// `y [B, C, Ho, Wo]` for `x [B, C, H, W]`, `w [C, 1, KH, KW]`, `b [C]`: one plane per call of the C kernel,
    /// which takes each output row's taps while the row sits in L1 (bias first, then taps in `(i, j)` order).
    /// With `geluOfInput`, the conv of `gelu(x)`: each plane's GELU goes to a scratch plane that stays in
    /// cache instead of a whole GELU tensor (the same values as `forward(Activation.gelu(x), …)`).
    public static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2dGeometry, geluOfInput: Bool = false) -> Tensor {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (KH, KW) = (w.shape[2], w.shape[3])
        let Ho = geo.outputExtent(H, kernel: KH), Wo = geo.outputExtent(W, kernel: KW)
        let (s, p, d) = (geo.stride, geo.padding, geo.dilation)
        let bv = b?.scalars
        return x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
            Tensor(shape: [B, C, Ho, Wo]) { yb in
                let X = xb.baseAddress!, Wt = wb.baseAddress!, Y = yb.baseAddress!
                Parallel.forEach(B * C, grain: 1) { r in
                    let scratch = geluOfInput ? UnsafeMutablePointer<Float>.allocate(capacity: H * W) : nil
                    defer { scratch?.deallocate() }
                    for plane in r {
                        let c = plane % C
                        var input = UnsafePointer(X + plane * H * W)
                        if let scratch { engine_gelu(input, scratch, H * W); input = UnsafePointer(scratch) }
                        engine_depthwise_forward_plane(input, H, W, Wt + c * KH * KW, KH, KW, bv?[c] ?? 0, s, p, d,
                                                       Y + plane * Ho * Wo, Ho, Wo)
                    }
                }
            }
        } }
    }

    /// Gradients for `g [B, C, Ho, Wo]`: dx one plane per call (each input row built from the output rows
    /// that read it), dw and db one channel per call (every tap's products of an output row taken while it
    /// sits in L1, so each plane is read once).
    /// With `geluOfInput`, the gradients of the conv of `gelu(x)` with respect to `x` (each dx plane times
    /// GELU's derivative while in cache), `w` and `b` (GELU recomputed per plane into scratch).
    public static func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, _ geo: Conv2dGeometry,
                                needX: Bool, needW: Bool, needB: Bool, geluOfInput: Bool = false) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
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
                            let out = O + plane * H * W
                            engine_depthwise_input_grad_plane(G + plane * Ho * Wo, Ho, Wo, Wt + (plane % C) * KH * KW, KH, KW, s, p, d,
                                                              out, H, W)
                            if geluOfInput { engine_gelu_backward(X + plane * H * W, out, out, H * W) }
                        }
                    }
                }
            }
            if needW || needB {
                var dwOut = needW ? Tensor(shape: w.shape, unsafeUninitialized: { _ in }) : nil
                var dbOut = needB ? Tensor(shape: [C], unsafeUninitialized: { _ in }) : nil
                let DW = dwOut == nil ? nil : dwOut!.withUnsafeMutableBufferPointer { $0.baseAddress! }
                let DB = dbOut == nil ? nil : dbOut!.withUnsafeMutableBufferPointer { $0.baseAddress! }
                let recompute = geluOfInput && needW
                Parallel.forEach(C, grain: 1) { r in
                    let scratch = recompute ? UnsafeMutablePointer<Float>.allocate(capacity: B * H * W) : nil
                    defer { scratch?.deallocate() }
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: (KH * KW + 1) * Swift.max(Wo, 1)) { lanes in
                        for c in r {
                            var input = UnsafePointer(X + c * H * W), stride = C * H * W
                            if let scratch {
                                for n in 0..<B { engine_gelu(input + n * stride, scratch + n * H * W, H * W) }
                                input = UnsafePointer(scratch); stride = H * W
                            }
                            engine_depthwise_param_grads(input, stride, G + c * Ho * Wo, C * Ho * Wo, B, H, W, KH, KW, s, p, d,
                                                         Ho, Wo, DW.map { $0 + c * KH * KW }, DB.map { $0 + c }, lanes.baseAddress!)
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
