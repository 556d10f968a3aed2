import CEngineKernels
import TensorCore

/// Batch normalisation over `[B, C, H, W]` per channel (PyTorch `F.batch_norm`).
public enum BatchNorm {
    /// What a training-mode forward keeps for its backward, per channel: the batch `mean` and
    /// `rstd = 1/√(biased variance + eps)`, and the affine map it applied, `y = x · scale + shift`
    /// (`scale = rstd · w`, `shift = b − mean · scale`).
    public struct BatchStatistics: Sendable {
        public var mean: [Float], rstd: [Float], scale: [Float], shift: [Float]
    }

    /// Training mode on `x [B, C, ...]`: batch statistics (biased variance for normalising; summed in
    /// double); updates the running statistics with `momentum` and the unbiased variance, as PyTorch
    /// does. With `gelu`, returns `gelu(y)` instead of `y`, computed plane by plane while the plane is in
    /// cache (`y` is never stored; `backwardTrain` recomputes it). One channel per task, each channel's
    /// planes read once from memory.
    public static func forwardTrain(_ x: Tensor, _ w: Tensor?, _ b: Tensor?, eps: Float, momentum: Float,
                                    runningMean: inout Tensor, runningVar: inout Tensor, gelu: Bool = false) -> (Tensor, BatchStatistics) {
        let (B, C) = (x.shape[0], x.shape[1]), L = x.count / Swift.max(B * C, 1), count = B * L
        let wv = w?.scalars, bv = b?.scalars
        // per channel c: mean, rstd, scale, shift and the unbiased variance at c, C + c, …, 4C + c
        var table = [Float](repeating: 0, count: 5 * C)
        let y = x.withUnsafeBufferPointer { xb in table.withUnsafeMutableBufferPointer { tb in
            Tensor(shape: x.shape) { yb in
                let X = xb.baseAddress!, Y = yb.baseAddress!, T = tb.baseAddress!
                Parallel.forEach(C, grain: Swift.max(1, 32768 / Swift.max(count, 1))) { r in
                    for c in r {
                        var mu = 0.0, v = 0.0
                        engine_batchnorm_stats(X + c * L, B, C * L, L, &mu, &v)
                        let mean = Float(mu), rstd = Float(1 / (v + Double(eps)).squareRoot())
                        let scale = rstd * (wv?[c] ?? 1), shift = (bv?[c] ?? 0) - mean * scale
                        (T[c], T[C + c], T[2 * C + c], T[3 * C + c]) = (mean, rstd, scale, shift)
                        T[4 * C + c] = Float(v * Double(count) / Double(Swift.max(count - 1, 1)))
                        for n in 0..<B {
                            let plane = (n * C + c) * L
                            engine_batchnorm_affine(X + plane, L, scale, shift, Y + plane)
                            if gelu { engine_gelu(Y + plane, Y + plane, L) }
                        }
                    }
                }
            }
        } }
        let stats = BatchStatistics(mean: Array(table[0..<C]), rstd: Array(table[C..<2 * C]), scale: Array(table[2 * C..<3 * C]),
                                    shift: Array(table[3 * C..<4 * C]))
        runningMean.withUnsafeMutableBufferPointer { m in for c in 0..<C { m[c] = (1 - momentum) * m[c] + momentum * stats.mean[c] } }
        runningVar.withUnsafeMutableBufferPointer { v in for c in 0..<C { v[c] = (1 - momentum) * v[c] + momentum * table[4 * C + c] } }
        return (y, stats)
    }

    /// The backward of `forwardTrain(x, w, b, …, gelu:)` for the output gradient `g`: `dx` (when
    /// `needInput`) `= rstd·w·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))` per channel, `dw = Σ ĝ·x̂`, `db = Σ ĝ`, where
    /// `x̂ = (x − mean)·rstd` and `ĝ = g` (or, with `gelu`, `g · gelu′(y)`, `y` recomputed from `x`).
    /// Two passes per channel, the second over planes still in cache; sums in double.
    public static func backwardTrain(_ x: Tensor, _ w: Tensor?, _ g: Tensor, _ stats: BatchStatistics, gelu: Bool,
                                     needInput: Bool) -> (dx: Tensor?, dw: [Float], db: [Float]) {
        let (B, C) = (x.shape[0], x.shape[1]), L = x.count / Swift.max(B * C, 1), count = Double(B * L)
        let wv = w?.scalars
        // Σ ĝ·x̂ (dw) at c, Σ ĝ (db) at C + c
        var sums = [Float](repeating: 0, count: 2 * C)
        var dx: Tensor? = nil
        x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in sums.withUnsafeMutableBufferPointer { sb in
            let X = xb.baseAddress!, G = gb.baseAddress!, S = sb.baseAddress!
            let body = { (out: UnsafeMutablePointer<Float>?) in
                Parallel.forEach(C, grain: Swift.max(1, 32768 / Swift.max(B * L, 1))) { r in
                    // ĝ of one channel's planes (with GELU; else g itself)
                    let scratch = gelu ? UnsafeMutablePointer<Float>.allocate(capacity: B * L) : nil
                    defer { scratch?.deallocate() }
                    for c in r {
                        let rstd = stats.rstd[c], shift = -stats.mean[c] * rstd
                        var sumG = 0.0, sumGX = 0.0
                        for n in 0..<B {
                            let plane = (n * C + c) * L
                            var gh = UnsafePointer(G + plane)
                            if let scratch {
                                let s = scratch + n * L
                                engine_batchnorm_affine(X + plane, L, stats.scale[c], stats.shift[c], s)
                                engine_gelu_backward(s, gh, s, L)
                                gh = UnsafePointer(s)
                            }
                            engine_batchnorm_grad_sums(gh, X + plane, L, rstd, shift, &sumG, &sumGX)
                        }
                        S[c] = Float(sumGX); S[C + c] = Float(sumG)
                        guard let out else { continue }
                        let k = rstd * (wv?[c] ?? 1), a = Float(sumG / count), m = Float(sumGX / count)
                        for n in 0..<B {
                            let plane = (n * C + c) * L
                            let gh = scratch.map { UnsafePointer($0 + n * L) } ?? UnsafePointer(G + plane)
                            engine_batchnorm_input_grad(gh, X + plane, L, rstd, shift, k, a, m, out + plane)
                        }
                    }
                }
            }
            if needInput { dx = Tensor(shape: x.shape) { o in body(o.baseAddress!) } } else { body(nil) }
        } } }
        let dw = Array(sums[0..<C]), db = Array(sums[C..<2 * C])
        return (dx, dw, db)
    }

    /// The weight and bias gradients of a BatchNorm that normalised `x [B, C, ...]` as
    /// `x̂ = x · rstd[c] + shift[c]`, for the output gradient `g`: `dw[c] = Σ g·x̂`, `db[c] = Σ g` over the
    /// channel's planes, summed in double (`engine_batchnorm_grad_sums`, as `backwardTrain`'s first pass),
    /// one channel per task; no x̂ or g·x̂ tensor.
    public static func parameterGradients(_ x: Tensor, _ g: Tensor, rstd: [Float], shift: [Float]) -> (dw: [Float], db: [Float]) {
        let (B, C) = (x.shape[0], x.shape[1]), L = x.count / Swift.max(B * C, 1)
        precondition(g.shape == x.shape && rstd.count == C && shift.count == C, "BatchNorm.parameterGradients: g \(g.shape) for x \(x.shape)")
        var sums = [Float](repeating: 0, count: 2 * C)   // Σ g·x̂ at c, Σ g at C + c
        x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in sums.withUnsafeMutableBufferPointer { sb in
            let X = xb.baseAddress!, G = gb.baseAddress!, S = sb.baseAddress!
            Parallel.forEach(C, grain: Swift.max(1, 32768 / Swift.max(B * L, 1))) { r in
                for c in r {
                    var sumG = 0.0, sumGX = 0.0
                    for n in 0..<B {
                        let plane = (n * C + c) * L
                        engine_batchnorm_grad_sums(G + plane, X + plane, L, rstd[c], shift[c], &sumG, &sumGX)
                    }
                    S[c] = Float(sumGX); S[C + c] = Float(sumG)
                }
            }
        } } }
        return (Array(sums[0..<C]), Array(sums[C..<2 * C]))
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
                    for p in r { engine_batchnorm_affine(X + p * L, L, scale[p % C], shift[p % C], Y + p * L) }
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
