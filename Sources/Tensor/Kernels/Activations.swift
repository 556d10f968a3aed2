#if canImport(Glibc)
import Glibc
#endif
import CEngineKernels

/// Pointwise activations: forward and the gradient with respect to the input.
public enum Activation {
    /// GELU with the exact erf: `0.5 x (1 + erf(x / √2))` (PyTorch's default `approximate='none'`);
    /// vectorised in C (erf to 1.5e-7 absolute, as PyTorch's own vectorised CPU kernel).
    public static func gelu(_ x: Tensor) -> Tensor {
        x.withUnsafeBufferPointer { xb in
            Tensor(shape: x.shape) { yb in
                let X = xb.baseAddress!, Y = yb.baseAddress!
                Parallel.forEach(xb.count, grain: 16384) { r in engine_gelu(X + r.lowerBound, Y + r.lowerBound, r.count) }
            }
        }
    }
    /// `g · (Φ(x) + x φ(x))`.
    public static func geluGrad(_ x: Tensor, _ g: Tensor) -> Tensor {
        precondition(x.shape == g.shape, "geluGrad: \(x.shape) vs \(g.shape)")
        return x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in
            Tensor(shape: x.shape) { db in
                let X = xb.baseAddress!, G = gb.baseAddress!, D = db.baseAddress!
                Parallel.forEach(xb.count, grain: 16384) { r in
                    engine_gelu_backward(X + r.lowerBound, G + r.lowerBound, D + r.lowerBound, r.count)
                }
            }
        } }
    }
    public static func relu(_ x: Tensor) -> Tensor { x.map { $0 > 0 ? $0 : 0 } }
    public static func reluGrad(_ x: Tensor, _ g: Tensor) -> Tensor { Tensor.broadcasting(x, g) { $0 > 0 ? $1 : 0 } }
    /// `1 / (1 + e^-x)`, computed stably for both signs.
    public static func sigmoid(_ x: Tensor) -> Tensor { x.map(sigmoid) }
    @inline(__always) public static func sigmoid(_ v: Float) -> Float {
        v >= 0 ? 1 / (1 + expf(-v)) : { let e = expf(v); return e / (1 + e) }()
    }
    /// From the output `y`: `g · y (1 - y)`.
    public static func sigmoidGrad(output y: Tensor, _ g: Tensor) -> Tensor { Tensor.broadcasting(y, g) { $1 * $0 * (1 - $0) } }
}

/// Softmax over the last axis.
public enum Softmax {
    public static func forward(_ x: Tensor) -> Tensor {
        let n = x.shape.last!, rows = x.count / Swift.max(n, 1)
        return x.withUnsafeBufferPointer { xb in
            Tensor(shape: x.shape) { yb in
                let xp = xb.baseAddress!, yp = yb.baseAddress!
                yp.update(from: xp, count: rows * n)
                Parallel.forEach(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
                    engine_softmax_rows(yp + r.lowerBound * n, r.count, n)
                }
            }
        }
    }

    /// Softmax of one row in place-safe form (`x` and `y` may alias).
    @inline(__always)
    public static func row(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for j in 0..<n { m = Swift.max(m, x[j]) }
        var s: Float = 0
        for j in 0..<n { let e = expf(x[j] - m); y[j] = e; s += e }
        let inv = 1 / s
        for j in 0..<n { y[j] *= inv }
    }

    /// `dx = y ⊙ (g − Σ g⊙y)` per row, from the output `y`.
    public static func backward(output y: Tensor, _ g: Tensor) -> Tensor {
        let n = y.shape.last!, rows = y.count / Swift.max(n, 1)
        return y.withUnsafeBufferPointer { yb in g.withUnsafeBufferPointer { gb in
            Tensor(shape: y.shape) { db in
                let yp = yb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                dp.update(from: gp, count: rows * n)
                Parallel.forEach(rows, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
                    engine_softmax_backward_rows(yp + r.lowerBound * n, dp + r.lowerBound * n, r.count, n)
                }
            }
        } }
    }

    @inline(__always)
    public static func rowBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) {
        var dot: Float = 0
        for j in 0..<n { dot += g[j] * y[j] }
        for j in 0..<n { d[j] = y[j] * (g[j] - dot) }
    }
}
