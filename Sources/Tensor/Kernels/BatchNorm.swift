/// Batch normalisation over `[B, C, H, W]` per channel (PyTorch `F.batch_norm`).
public enum BatchNorm {
    /// Training mode: batch statistics (biased variance for normalising); updates the running
    /// statistics with `momentum` and the unbiased variance, as PyTorch does. Returns `(y, mean, rstd)`.
    public static func forwardTrain(_ x: Tensor, _ w: Tensor?, _ b: Tensor?, eps: Float, momentum: Float,
                                    runningMean: inout Tensor, runningVar: inout Tensor) -> (Tensor, [Float], [Float]) {
        let (B, C) = (x.shape[0], x.shape[1]), L = x.count / Swift.max(B * C, 1)
        var mean = [Float](repeating: 0, count: C), rstd = [Float](repeating: 0, count: C), unbiased = [Float](repeating: 0, count: C)
        x.withUnsafeBufferPointer { xb in
            for c in 0..<C {
                var s = 0.0
                for n in 0..<B { let p = xb.baseAddress! + (n * C + c) * L; for i in 0..<L { s += Double(p[i]) } }
                let mu = s / Double(B * L)
                var v = 0.0
                for n in 0..<B { let p = xb.baseAddress! + (n * C + c) * L; for i in 0..<L { let t = Double(p[i]) - mu; v += t * t } }
                mean[c] = Float(mu)
                rstd[c] = Float(1 / (v / Double(B * L) + Double(eps)).squareRoot())
                unbiased[c] = Float(v / Double(Swift.max(B * L - 1, 1)))
            }
        }
        runningMean.withUnsafeMutableBufferPointer { m in for c in 0..<C { m[c] = (1 - momentum) * m[c] + momentum * mean[c] } }
        runningVar.withUnsafeMutableBufferPointer { v in for c in 0..<C { v[c] = (1 - momentum) * v[c] + momentum * unbiased[c] } }
        let scale = (0..<C).map { rstd[$0] * (w?.scalars[$0] ?? 1) }
        let shift = (0..<C).map { (b?.scalars[$0] ?? 0) - mean[$0] * scale[$0] }
        return (affine(x, scale, shift), mean, rstd)
    }

    /// Evaluation mode: `y = (x − runningMean) / √(runningVar + eps) · w + b`, a per-channel affine map.
    public static func evalScaleShift(_ w: Tensor?, _ b: Tensor?, runningMean: Tensor, runningVar: Tensor, eps: Float) -> ([Float], [Float]) {
        let C = runningMean.count
        let rm = runningMean.scalars, rv = runningVar.scalars
        let scale = (0..<C).map { (w?.scalars[$0] ?? 1) / (rv[$0] + eps).squareRoot() }
        let shift = (0..<C).map { (b?.scalars[$0] ?? 0) - rm[$0] * scale[$0] }
        return (scale, shift)
    }

    /// `y[n, c, ...] = x[n, c, ...] · scale[c] + shift[c]`.
    public static func affine(_ x: Tensor, _ scale: [Float], _ shift: [Float]) -> Tensor {
        let (B, C) = (x.shape[0], x.shape[1]), L = x.count / Swift.max(B * C, 1)
        return x.withUnsafeBufferPointer { xb in
            Tensor(shape: x.shape) { yb in
                let X = xb.baseAddress!, Y = yb.baseAddress!
                Parallel.forEach(B * C, grain: Swift.max(1, 16384 / Swift.max(L, 1))) { r in
                    for p in r { let c = p % C, s = scale[c], t = shift[c]; for i in 0..<L { Y[p * L + i] = X[p * L + i] * s + t } }
                }
            }
        }
    }

    /// Folds an eval-mode batch norm into the preceding convolution's weight `[O, ...]` and bias `[O]`.
    public static func foldIntoConv(weight: Tensor, bias: Tensor?, bnWeight: Tensor?, bnBias: Tensor?,
                                    runningMean: Tensor, runningVar: Tensor, eps: Float) -> (weight: Tensor, bias: Tensor) {
        let (scale, shift) = evalScaleShift(bnWeight, bnBias, runningMean: runningMean, runningVar: runningVar, eps: eps)
        let O = weight.shape[0], per = weight.count / O
        let w = weight.withUnsafeBufferPointer { wb in
            Tensor(shape: weight.shape) { o in for i in 0..<weight.count { o[i] = wb[i] * scale[i / per] } }
        }
        let b0 = bias?.scalars ?? [Float](repeating: 0, count: O)
        return (w, Tensor(shape: [O], values: (0..<O).map { b0[$0] * scale[$0] + shift[$0] }))
    }
}
