import TensorCore
import TensorKernels

/// Differentiable resizing, pooling, embedding and batch norm.

/// `F.interpolate(x [..., H, W], size: (outH, outW), mode, align_corners=False)` for bilinear,
/// bicubic and nearest (legacy `'nearest'`: `src = floor(dst · in / out)`).
public func interpolate(_ x: Variable, size: (Int, Int), mode: Resample.Mode) -> Variable {
    let r = x.value.rank, H = x.shape[r - 2], W = x.shape[r - 1]
    let mh = Resample.matrix(mode, input: H, output: size.0), mw = Resample.matrix(mode, input: W, output: size.1)
    let y = Resample.apply(x.value, mh: mh, mw: mw, outH: size.0, outW: size.1, inH: H, inW: W)
    return Variable.record(y, [x]) { _ in { g in
        [Resample.apply(g, mh: mh, mw: mw, outH: size.0, outW: size.1, transpose: true, inH: H, inW: W)]
    } }
}

/// `F.adaptive_avg_pool2d(x [..., H, W], (outH, outW))`.
public func adaptiveAveragePool2d(_ x: Variable, size: (Int, Int)) -> Variable { interpolate(x, size: size, mode: .adaptiveAverage) }

/// Rows of `table [V, D]` picked by integer `indices` (any shape) → `[indices..., D]`; the gradient
/// scatters-adds into the table.
public func embedding(_ table: Variable, indices: [Int], shape: [Int]) -> Variable {
    let V = table.shape[0], D = table.shape[1]
    precondition(indices.allSatisfy { $0 >= 0 && $0 < V }, "embedding: index out of 0..<\(V)")
    let y = table.value.withUnsafeBufferPointer { tb in
        Tensor(shape: shape + [D]) { o in
            for (i, idx) in indices.enumerated() { (o.baseAddress! + i * D).update(from: tb.baseAddress! + idx * D, count: D) }
        }
    }
    return Variable.record(y, [table]) { _ in { g in
        var d = Tensor(shape: [V, D], repeating: 0)
        g.withUnsafeBufferPointer { gb in d.withUnsafeMutableBufferPointer { db in
            for (i, idx) in indices.enumerated() { for j in 0..<D { db[idx * D + j] += gb[i * D + j] } }
        } }
        return [d]
    } }
}

/// Batch norm on `[B, C, H, W]`. Training mode uses batch statistics and updates the running
/// statistics in place; eval mode uses the running statistics. With `gelu` (training mode only), the
/// op is `gelu(batchNorm2d(x))` in one: the normalised values are recomputed in backward, never kept.
public func batchNorm2d(_ x: Variable, _ w: Variable?, _ b: Variable?, runningMean: inout Tensor, runningVar: inout Tensor,
                        training: Bool, momentum: Float = 0.1, eps: Float = 1e-5, gelu: Bool = false) -> Variable {
    precondition(training || !gelu, "batchNorm2d: gelu is fused only with batch statistics")
    let xv = x.value, wv = w?.value
    var inputs = [x]
    if let w { inputs.append(w) }
    if let b { inputs.append(b) }
    let C = xv.shape[1]
    if !training {
        let (scale, shift) = BatchNorm.evalScaleShift(wv, b?.value, runningMean: runningMean, runningVar: runningVar, eps: eps)
        let y = BatchNorm.affine(xv, scale, shift)
        let rm = runningMean.scalars, rv = runningVar.scalars
        let rstd = (0..<C).map { 1 / (rv[$0] + eps).squareRoot() }
        return Variable.record(y, inputs) { need in { g in
            var out: [Tensor?] = [need[0] ? BatchNorm.affine(g, scale, [Float](repeating: 0, count: C)) : nil]
            guard need.count > 1, need.dropFirst().contains(true) else { return out + [Tensor?](repeating: nil, count: need.count - 1) }
            let (dw, db) = BatchNorm.parameterGradients(xv, g, rstd: rstd, shift: (0..<C).map { -rm[$0] * rstd[$0] })
            if w != nil { out.append(Tensor(shape: [C], values: dw)) }
            if b != nil { out.append(Tensor(shape: [C], values: db)) }
            return out
        } }
    }
    let (y, stats) = BatchNorm.forwardTrain(xv, wv, b?.value, eps: eps, momentum: momentum,
                                            runningMean: &runningMean, runningVar: &runningVar, gelu: gelu)
    return Variable.record(y, inputs) { need in { g in
        let r = BatchNorm.backwardTrain(xv, wv, g, stats, gelu: gelu, needInput: need[0])
        var out: [Tensor?] = [r.dx]
        if w != nil { out.append(Tensor(shape: [C], values: r.dw)) }
        if b != nil { out.append(Tensor(shape: [C], values: r.db)) }
        return out
    } }
}
