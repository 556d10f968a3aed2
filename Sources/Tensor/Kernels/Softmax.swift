#if canImport(Glibc)
import Glibc
#endif
import CEngineKernels

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
