import TensorCore
import TensorKernels

/// Differentiable layers' core ops. Shapes: `x [..., in]`, `w [out, in]`, `b [out]`.

/// `y = x · wᵀ + b` (PyTorch `F.linear`) through `cblas_sgemm`.
public func linear(_ x: Variable, _ w: Variable, _ b: Variable? = nil) -> Variable {
    let xv = x.value, wv = w.value
    let y = MatMul.linear(xv, wv, b?.value)
    let n = wv.shape[0]
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return Variable.record(y, inputs) { need in
        let keepX = need[1] ? xv : Tensor(0), keepW = need[0] ? wv : Tensor(0)
        return { g in
            var out: [Tensor?] = [need[0] ? MatMul.linearInputGrad(g, keepW, inputShape: xv.shape) : nil,
                                  need[1] ? MatMul.linearWeightGrad(g, keepX, n: n) : nil]
            if need.count == 3 { out.append(need[2] ? MatMul.columnSums(g, n: n) : nil) }
            return out
        }
    }
}

/// Batched `a[..., M, K] · b[..., K, N]` (b may be `[K, N]`); `transB` uses `b[..., N, K]`.
public func matmul(_ a: Variable, _ b: Variable, transB: Bool = false, alpha: Float = 1) -> Variable {
    let av = a.value, bv = b.value
    let y = MatMul.batched(av, bv, transB: transB, alpha: alpha)
    return Variable.record(y, [a, b]) { need in
        let keepA = need[1] ? av : Tensor(0), keepB = need[0] ? bv : Tensor(0)
        return { g in
            // c = α a·op(b): da = α g·op(b)ᵀ; db = α aᵀ·g (or its transpose when transB).
            let da: Tensor? = need[0] ? MatMul.batched(g, keepB, transB: !transB, alpha: alpha) : nil
            var db: Tensor? = nil
            if need[1] {
                let shared = bv.rank == 2 && av.rank > 2
                let a2 = shared ? keepA.reshaped([-1, keepA.shape.last!]) : keepA
                let g2 = shared ? g.reshaped([-1, g.shape.last!]) : g
                db = transB ? MatMul.batched(g2, a2, transA: true, alpha: alpha) : MatMul.batched(a2, g2, transA: true, alpha: alpha)
            }
            return [da, db]
        }
    }
}

/// Softmax over the last axis.
public func softmax(_ x: Variable) -> Variable {
    let y = Softmax.forward(x.value)
    return Variable.record(y, [x]) { _ in { g in [Softmax.backward(output: y, g)] } }
}

/// LayerNorm over the last axis with affine `w`, `b` of shape `[D]`.
public func layerNorm(_ x: Variable, _ w: Variable?, _ b: Variable?, eps: Float) -> Variable {
    let xv = x.value, wv = w?.value
    let (y, stats) = LayerNorm.forward(xv, wv, b?.value, eps: eps)
    var inputs = [x]
    if let w { inputs.append(w) }
    if let b { inputs.append(b) }
    return Variable.record(y, inputs) { need in
        let needParams = need.dropFirst().contains(true)
        return { g in
            let r = LayerNorm.backward(xv, wv, stats, g, needInput: need[0], needParams: needParams)
            var out: [Tensor?] = [r.dx]
            if w != nil { out.append(r.dw) }
            if b != nil { out.append(r.db) }
            return out
        }
    }
}

public func gelu(_ x: Variable) -> Variable {
    let xv = x.value
    return Variable.record(Activation.gelu(xv), [x]) { _ in { g in [Activation.geluGrad(xv, g)] } }
}

public func relu(_ x: Variable) -> Variable {
    let y = Activation.relu(x.value)
    // relu'(x) = [x > 0] = [y > 0]; keep only the output.
    return Variable.record(y, [x]) { _ in { g in [Activation.reluGrad(y, g)] } }
}

public func sigmoid(_ x: Variable) -> Variable {
    let y = Activation.sigmoid(x.value)
    return Variable.record(y, [x]) { _ in { g in [Activation.sigmoidGrad(output: y, g)] } }
}

/// Elementwise `e^x`.
public func exp(_ x: Variable) -> Variable {
    let y = exp(x.value)
    return Variable.record(y, [x]) { _ in { g in [g * y] } }
}

/// Elementwise natural logarithm.
public func log(_ x: Variable) -> Variable {
    let xv = x.value
    return Variable.record(log(xv), [x]) { _ in { g in [g / xv] } }
}
