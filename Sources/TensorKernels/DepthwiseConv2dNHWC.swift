import CEngineKernels
import TensorCore

/// Direct depthwise convolution on channels-last tensors: `x [B, H, W, C]`, weight `w [C, 1, kh, kw]`
/// (PyTorch's depthwise layout, as `DepthwiseConv2d` takes), bias `[C]` → `y [B, Ho, Wo, C]` with
/// `y[b, oh, ow, c] = bias[c] + Σ_ij w[c, 0, i, j] · x[b, oh·s − p + i·d, ow·s − p + j·d, c]` (zero padding).
/// The same function as `DepthwiseConv2d` on the NCHW permutation, without the permutes around it
/// (TinyViT's `local_conv` runs between token-major layers). The inner loops run over contiguous
/// channels. Parallel over output rows (forward) and input rows (dx); dw and db sum fixed chunks of
/// rows into private partials added in chunk order, so results never depend on the thread count.
public enum DepthwiseConv2dNHWC {
    /// The weight as `[kh·kw, C]` (one contiguous channel vector per tap).
    static func taps(_ w: Tensor) -> [Float] {
        let (C, KH, KW) = (w.shape[0], w.shape[2], w.shape[3])
        let s = w.scalars
        var t = [Float](repeating: 0, count: KH * KW * C)
        for c in 0..<C { for k in 0..<(KH * KW) { t[k * C + c] = s[c * KH * KW + k] } }
        return t
    }

    static func check(_ x: Tensor, _ w: Tensor) {
        precondition(x.rank == 4 && w.rank == 4 && w.shape[0] == x.shape[3] && w.shape[1] == 1,
                     "depthwiseConv2dNHWC: x \(x.shape) (expected [B, H, W, C]), w \(w.shape) (expected [C, 1, kh, kw])")
    }

    public static func forward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int = 1, padding p: Int = 0, dilation d: Int = 1) -> Tensor {
        check(x, w)
        let (B, H, W, C) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (KH, KW) = (w.shape[2], w.shape[3])
        let geo = Conv2dGeometry(stride: s, padding: p, dilation: d)
        let Ho = geo.outputExtent(H, kernel: KH), Wo = geo.outputExtent(W, kernel: KW)
        let taps = taps(w)
        let bias = b?.scalars ?? [Float](repeating: 0, count: C)
        precondition(bias.count == C, "depthwiseConv2dNHWC: bias of \(bias.count) for \(C) channels")
        return x.withUnsafeBufferPointer { xb in taps.withUnsafeBufferPointer { tb in bias.withUnsafeBufferPointer { bb in
            Tensor(shape: [B, Ho, Wo, C], unsafeUninitialized: { yb in
                let X = xb.baseAddress!, T = tb.baseAddress!, Bi = bb.baseAddress!, Y = yb.baseAddress!
                Parallel.forEach(B * Ho, grain: 1) { r in
                    for row in r {
                        let n = row / Ho, oh = row % Ho
                        engine_depthwise_nhwc_forward_row(X + n * H * W * C, H, W, C, T, Bi, KH, KW, s, p, d, oh, Y + row * Wo * C, Wo)
                    }
                }
            })
        } } }
    }

    /// Gradients of `forward` for the upstream `g [B, Ho, Wo, C]`: dx `[B, H, W, C]`, dw `[C, 1, kh, kw]`, db `[C]`.
    public static func backward(_ x: Tensor, _ w: Tensor, _ g: Tensor, stride s: Int = 1, padding p: Int = 0, dilation d: Int = 1,
                                needX: Bool, needW: Bool, needB: Bool) -> (dx: Tensor?, dw: Tensor?, db: Tensor?) {
        check(x, w)
        let (B, H, W, C) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (KH, KW) = (w.shape[2], w.shape[3])
        let (Ho, Wo) = (g.shape[1], g.shape[2])
        precondition(g.shape == [B, Ho, Wo, C], "depthwiseConv2dNHWC backward: g \(g.shape) for x \(x.shape)")
        var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
        x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in
            let X = xb.baseAddress!, G = gb.baseAddress!
            if needX {
                let taps = taps(w)
                dx = taps.withUnsafeBufferPointer { tb in
                    Tensor(shape: x.shape) { ob in
                        let O = ob.baseAddress!, T = tb.baseAddress!
                        // Input row (n, ih) gathers from every output row oh with oh·s − p + i·d == ih.
                        Parallel.forEach(B * H, grain: 1) { r in
                            for row in r {
                                let n = row / H, ih = row % H
                                engine_depthwise_nhwc_input_grad_row(G + n * Ho * Wo * C, Ho, Wo, C, T, KH, KW, s, p, d, ih,
                                                                     O + row * W * C, W)
                            }
                        }
                    }
                }
            }
            if needW || needB {
                let rows = B * Ho, chunks = Swift.max(1, Swift.min(rows, 16))
                let taps = KH * KW * C + C   // dw as [kh·kw, C], then db
                var partial = [Float](repeating: 0, count: chunks * taps)
                partial.withUnsafeMutableBufferPointer { pb in
                    let P = pb.baseAddress!
                    Parallel.forEach(chunks, grain: 1) { r in
                        for chunk in r {
                            engine_depthwise_nhwc_param_grad_rows(X, G, H, W, C, KH, KW, s, p, d, Ho, Wo, rows * chunk / chunks,
                                                                  rows * (chunk + 1) / chunks, P + chunk * taps, needW ? 1 : 0,
                                                                  needB ? 1 : 0)
                        }
                    }
                    for chunk in 1..<chunks { for t in 0..<taps { P[t] += P[chunk * taps + t] } }
                }
                if needW {
                    dw = Tensor(shape: w.shape) { o in
                        for c in 0..<C { for k in 0..<(KH * KW) { o[c * KH * KW + k] = partial[k * C + c] } }
                    }
                }
                if needB { db = Tensor(shape: [C], values: Array(partial[(KH * KW * C)..<taps])) }
            }
        } }
        return (dx, dw, db)
    }
}
