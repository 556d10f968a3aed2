import TensorCore

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
