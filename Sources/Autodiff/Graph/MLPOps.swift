import TensorCore
import TensorKernels

/// A transformer MLP `linear(GELU(linear(x, w1, b1)), w2, b2)` for `x [..., C]`, `w1 [H, C]`, `w2 [C', H]`,
/// with the same values and gradients as composing `linear`, `gelu`, `linear`, but a smaller graph:
/// backward keeps `x` and the hidden pre-activation `[..., H]` and recomputes the GELU output
/// (needed only for `w2`'s gradient) instead of storing it. For ViT-B at 1024² that is one
/// `[4096, 3072]` activation (48 MiB) less per block, for one extra GELU pass in backward.
public func geluMLP(_ x: Variable, _ w1: Variable, _ b1: Variable?, _ w2: Variable, _ b2: Variable?) -> Variable {
    let xv = x.value, w1v = w1.value, w2v = w2.value
    let hidden = MatMul.linear(xv, w1v, b1?.value)
    let out = MatMul.linear(Activation.gelu(hidden), w2v, b2?.value)
    let (nh, no, xShape) = (w1v.shape[0], w2v.shape[0], xv.shape)
    let hasB1 = b1 != nil, hasB2 = b2 != nil
    // Inputs in order x, w1, [b1], w2, [b2].
    var inputs = [x, w1]
    if let b1 { inputs.append(b1) }
    let w2Index = inputs.count
    inputs.append(w2)
    if let b2 { inputs.append(b2) }
    return Variable.record(out, inputs) { need in
        let needX = need[0], needW1 = need[1], needB1 = hasB1 && need[2]
        let needW2 = need[w2Index], needB2 = hasB2 && need[w2Index + 1]
        let needHidden = needX || needW1 || needB1
        let keepX = needW1 ? xv : Tensor(0), keepW1 = needX ? w1v : Tensor(0), keepW2 = needHidden ? w2v : Tensor(0)
        return { g in
            // Second layer: dW2 = gᵀ · GELU(h) (recomputed), db2 = Σ g, dGELU = g · W2.
            let dW2 = needW2 ? MatMul.linearWeightGrad(g, Activation.gelu(hidden), n: no) : nil
            let dB2 = needB2 ? MatMul.columnSums(g, n: no) : nil
            var dX: Tensor? = nil, dW1: Tensor? = nil, dB1: Tensor? = nil
            if needHidden {
                let dHidden = Activation.geluGrad(hidden, MatMul.linearInputGrad(g, keepW2, inputShape: hidden.shape))
                if needX { dX = MatMul.linearInputGrad(dHidden, keepW1, inputShape: xShape) }
                if needW1 { dW1 = MatMul.linearWeightGrad(dHidden, keepX, n: nh) }
                if needB1 { dB1 = MatMul.columnSums(dHidden, n: nh) }
            }
            var grads: [Tensor?] = [dX, dW1]
            if hasB1 { grads.append(dB1) }
            grads.append(dW2)
            if hasB2 { grads.append(dB2) }
            return grads
        }
    }
}
