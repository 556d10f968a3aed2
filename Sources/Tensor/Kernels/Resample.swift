/// Separable resampling of `[..., H, W]` planes by two small dense matrices:
/// `out = Mh[Ho, H] · x · Mw[Wo, W]ᵀ` per plane (two GEMMs), which covers bilinear, bicubic and
/// nearest interpolation (PyTorch `F.interpolate`, `align_corners=False`, size given) and adaptive
/// average pooling. The backward pass is the transpose: `dx = Mhᵀ · g · Mw`.
public enum Resample {
    public enum Mode: String, Sendable { case bilinear, bicubic, nearest, adaptiveAverage }

    /// The `[out, in]` weight matrix of one axis.
    public static func matrix(_ mode: Mode, input n: Int, output m: Int) -> [Float] {
        var a = [Float](repeating: 0, count: m * n)
        let scale = Double(n) / Double(m)   // PyTorch: input_size / output_size when a size is given
        // PyTorch computes source indices in float (accscalar_t = float for float inputs).
        let fscale = Float(n) / Float(m)
        for o in 0..<m {
            switch mode {
            case .nearest:
                let src = Swift.min(Int((Float(o) * fscale).rounded(.down)), n - 1)
                a[o * n + src] = 1
            case .bilinear:
                var src = fscale * (Float(o) + 0.5) - 0.5
                if src < 0 { src = 0 }
                let i0 = Int(src), i1 = i0 < n - 1 ? i0 + 1 : i0
                let l1 = src - Float(i0), l0 = 1 - l1
                a[o * n + i0] += l0; a[o * n + i1] += l1
            case .bicubic:
                let src = fscale * (Float(o) + 0.5) - 0.5
                let i = Int(src.rounded(.down)), t = src - src.rounded(.down)
                let wts = cubicWeights(t)
                for k in 0..<4 { let idx = Swift.min(Swift.max(i - 1 + k, 0), n - 1); a[o * n + idx] += wts[k] }
            case .adaptiveAverage:
                let start = Int((Double(o) * scale).rounded(.down))
                let end = Int((Double(o + 1) * scale).rounded(.up))
                for i in start..<end { a[o * n + i] = 1 / Float(end - start) }
            }
        }
        return a
    }

    /// Keys' cubic convolution weights with A = −0.75 (PyTorch `get_cubic_upsample_coefficients`).
    static func cubicWeights(_ t: Float) -> [Float] {
        let A: Float = -0.75
        func c1(_ x: Float) -> Float { ((A + 2) * x - (A + 3)) * x * x + 1 }
        func c2(_ x: Float) -> Float { ((A * x - 5 * A) * x + 8 * A) * x - 4 * A }
        return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]
    }

    /// Resamples the last two axes of `x` to `[Ho, Wo]` with the given per-axis matrices.
    public static func apply(_ x: Tensor, mh: [Float], mw: [Float], outH: Int, outW: Int, transpose: Bool = false,
                             inH: Int, inW: Int) -> Tensor {
        // forward: x planes [P, inH, inW] -> [P, outH, outW]; transpose: g planes [P, outH, outW] -> [P, inH, inW]
        let r = x.rank
        let (srcH, srcW, dstH, dstW) = transpose ? (outH, outW, inH, inW) : (inH, inW, outH, outW)
        precondition(x.shape[r - 2] == srcH && x.shape[r - 1] == srcW, "resample: \(x.shape) vs \(srcH)x\(srcW)")
        let planes = x.count / Swift.max(srcH * srcW, 1)
        var outShape = x.shape; outShape[r - 2] = dstH; outShape[r - 1] = dstW
        var tmp = [Float](repeating: 0, count: planes * srcH * dstW)
        return x.withUnsafeBufferPointer { xb in mh.withUnsafeBufferPointer { hb in mw.withUnsafeBufferPointer { wb in
            tmp.withUnsafeMutableBufferPointer { tb in
                Tensor(shape: outShape) { ob in
                    // Along W: tmp[P·srcH, dstW] = x[P·srcH, srcW] · op(Mw); forward uses Mwᵀ, transpose uses Mw.
                    BLAS.sgemm(transB: !transpose, m: planes * srcH, n: dstW, k: srcW, a: xb.baseAddress!, lda: srcW,
                               b: wb.baseAddress!, ldb: transpose ? inW : inW, c: tb.baseAddress!, ldc: dstW)
                    // Along H per plane: out[dstH, dstW] = op(Mh) · tmp[srcH, dstW].
                    for p in 0..<planes {
                        BLAS.sgemm(transA: transpose, m: dstH, n: dstW, k: srcH, a: hb.baseAddress!, lda: inH,
                                   b: tb.baseAddress! + p * srcH * dstW, ldb: dstW, c: ob.baseAddress! + p * dstH * dstW, ldc: dstW)
                    }
                }
            }
        } } }
    }
}

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
