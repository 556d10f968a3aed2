import CEngineKernels
import TensorCore

/// Softmax over the last axis, row by row in C (vectorised exp; see `engine_softmax_rows`),
/// parallel over rows.
public enum Softmax {
    /// `y = exp(x − max) / Σ exp(x − max)` per row of `x [..., n]`.
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

    /// `dx = y ⊙ (g − Σ g⊙y)` per row, from the output `y`.
    public static func backward(output y: Tensor, _ g: Tensor) -> Tensor {
        precondition(y.shape == g.shape, "softmax backward: \(y.shape) vs \(g.shape)")
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
}
