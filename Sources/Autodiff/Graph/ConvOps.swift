import TensorKernels

/// `F.conv2d(x [B, Cin, H, W], w [Cout, Cin/groups, kh, kw], b [Cout])` → `[B, Cout, Ho, Wo]`.
public func conv2d(_ x: Variable, _ w: Variable, _ b: Variable? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Variable {
    let geo = Conv2dGeometry(stride: stride, padding: padding, dilation: dilation, groups: groups)
    let xv = x.value, wv = w.value
    let y = Conv2d.forward(xv, wv, b?.value, geo)
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return Variable.record(y, inputs) { need in { g in
        let r = Conv2d.backward(xv, wv, g, geo, needX: need[0], needW: need[1], needB: need.count == 3 && need[2])
        return need.count == 3 ? [r.dx, r.dw, r.db] : [r.dx, r.dw]
    } }
}

/// `conv2d(gelu(x), w, b, ...)` that keeps `x` and not GELU's output: the conv's weight gradient needs
/// its input, which backward recomputes from `x` (as `geluMLP` does), so one activation-sized tensor
/// fewer stays alive per use. A depthwise conv applies GELU (and its derivative) plane by plane inside
/// its kernels, so no GELU tensor is made at all. The same values and gradients as the composition.
public func conv2d(geluOf x: Variable, _ w: Variable, _ b: Variable? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Variable {
    let geo = Conv2dGeometry(stride: stride, padding: padding, dilation: dilation, groups: groups)
    let xv = x.value, wv = w.value
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    if DepthwiseConv2d.applies(channels: xv.shape[1], weight: wv.shape, geo) {
        // Depthwise: GELU (and its derivative) plane by plane inside the conv kernels, never a whole tensor.
        let y = DepthwiseConv2d.forward(xv, wv, b?.value, geo, geluOfInput: true)
        return Variable.record(y, inputs) { need in { g in
            let r = DepthwiseConv2d.backward(xv, wv, g, geo, needX: need[0], needW: need[1], needB: need.count == 3 && need[2],
                                             geluOfInput: true)
            return need.count == 3 ? [r.dx, r.dw, r.db] : [r.dx, r.dw]
        } }
    }
    let y = Conv2d.forward(Activation.gelu(xv), wv, b?.value, geo)
    return Variable.record(y, inputs) { need in { g in
        // The input gradient needs only the input's shape: GELU is recomputed when the weight gradient needs it.
        let a = need[1] ? Activation.gelu(xv) : xv
        let r = Conv2d.backward(a, wv, g, geo, needX: need[0], needW: need[1], needB: need.count == 3 && need[2])
        let dx = r.dx.map { Activation.geluGrad(xv, $0) }
        return need.count == 3 ? [dx, r.dw, r.db] : [dx, r.dw]
    } }
}

/// Depthwise `F.conv2d(groups: C)` on channels-last tensors: `x [B, H, W, C]`, `w [C, 1, kh, kw]`, `b [C]`
/// → `[B, Ho, Wo, C]`; equals `conv2d(x.permuted([0, 3, 1, 2]), w, b, groups: C).permuted([0, 2, 3, 1])`.
public func depthwiseConv2dNHWC(_ x: Variable, _ w: Variable, _ b: Variable? = nil, stride: Int = 1, padding: Int = 0,
                                dilation: Int = 1) -> Variable {
    let xv = x.value, wv = w.value
    let y = DepthwiseConv2dNHWC.forward(xv, wv, b?.value, stride: stride, padding: padding, dilation: dilation)
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return Variable.record(y, inputs) { need in { g in
        let r = DepthwiseConv2dNHWC.backward(xv, wv, g, stride: stride, padding: padding, dilation: dilation,
                                             needX: need[0], needW: need[1], needB: need.count == 3 && need[2])
        return need.count == 3 ? [r.dx, r.dw, r.db] : [r.dx, r.dw]
    } }
}

/// `F.conv_transpose2d(x [B, Cin, H, W], w [Cin, Cout, s, s], b, stride: s)` → `[B, Cout, H·s, W·s]`.
public func convTranspose2d(_ x: Variable, _ w: Variable, _ b: Variable? = nil, stride: Int) -> Variable {
    let xv = x.value, wv = w.value
    let y = ConvTranspose2d.forward(xv, wv, b?.value, stride: stride)
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return Variable.record(y, inputs) { need in { g in
        let r = ConvTranspose2d.backward(xv, wv, g, stride: stride, needX: need[0], needW: need[1], needB: need.count == 3 && need[2])
        return need.count == 3 ? [r.dx, r.dw, r.db] : [r.dx, r.dw]
    } }
}

/// SAM's `LayerNorm2d`: normalises `x [B, C, H, W]` over C per pixel, then `w[c]·x + b[c]`.
public func layerNorm2d(_ x: Variable, _ w: Variable, _ b: Variable, eps: Float) -> Variable {
    layerNorm(x.permuted([0, 2, 3, 1]), w, b, eps: eps).permuted([0, 3, 1, 2])
}
