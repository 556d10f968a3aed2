import CEngineKernels
import TensorCore
/// GEMM-based products on tensors (forward and the pieces of backward). The linear layer's three
/// products run in `Precision.current` (bf16 operands when `.bf16`); `batched` stays fp32.
public enum MatMul {
    /// `y[M, N] = x[M, K] · w[N, K]ᵀ (+ b[N])` where `x` is any `[..., K]` (rows flattened).
    public static func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
        let k = x.shape.last!, n = w.shape[0]
        precondition(w.rank == 2 && w.shape[1] == k, "linear: x \(x.shape) with weight \(w.shape)")
        let m = x.count / Swift.max(k, 1)
        var outShape = x.shape; outShape[outShape.count - 1] = n
        precondition(b == nil || b!.shape == [n], "linear: bias \(b!.shape) for \(n) outputs")
        return Tensor(shape: outShape) { y in
            x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in
                let bias = b ?? Tensor(0)   // its storage is read only when b is given
                bias.withUnsafeBufferPointer { bp in
                    BLAS.sgemm(transB: true, m: m, n: n, k: k, a: xp.baseAddress!, lda: k, b: wp.baseAddress!, ldb: k,
                               c: y.baseAddress!, ldc: n, bias: b == nil ? nil : bp.baseAddress!, precision: Precision.current)
                }
            } }
        }
    }

    /// `dx[M, K] = g[M, N] · w[N, K]`.
    public static func linearInputGrad(_ g: Tensor, _ w: Tensor, inputShape: [Int]) -> Tensor {
        let n = w.shape[0], k = w.shape[1], m = g.count / Swift.max(n, 1)
        return Tensor(shape: inputShape) { dx in
            g.withUnsafeBufferPointer { gp in w.withUnsafeBufferPointer { wp in
                BLAS.sgemm(m: m, n: k, k: n, a: gp.baseAddress!, lda: n, b: wp.baseAddress!, ldb: k, c: dx.baseAddress!, ldc: k,
                           precision: Precision.current)
            } }
        }
    }

    /// `dw[N, K] = g[M, N]ᵀ · x[M, K]`.
    public static func linearWeightGrad(_ g: Tensor, _ x: Tensor, n: Int) -> Tensor {
        let k = x.shape.last!, m = x.count / Swift.max(k, 1)
        return Tensor(shape: [n, k]) { dw in
            g.withUnsafeBufferPointer { gp in x.withUnsafeBufferPointer { xp in
                BLAS.sgemm(transA: true, m: n, n: k, k: m, a: gp.baseAddress!, lda: n, b: xp.baseAddress!, ldb: k, c: dw.baseAddress!, ldc: k,
                           precision: Precision.current)
            } }
        }
    }

    /// Column sums of `g` viewed as `[M, N]`: the bias gradient (parallel over blocks of 16 columns, each
    /// column summed over the rows in order, so the result does not depend on the split).
    public static func columnSums(_ g: Tensor, n: Int) -> Tensor {
        let m = g.count / Swift.max(n, 1)
        return g.withUnsafeBufferPointer { gp in
            Tensor(shape: [n]) { o in
                let op = o.baseAddress!, base = gp.baseAddress!
                Parallel.forEach(n, grain: 16) { r in engine_column_sums(base, m, n, r.lowerBound, r.upperBound, op) }
            }
        }
    }

    /// Batched `c[..., M, N] = op(a)[..., M, K] · op(b)[..., K, N]` with equal leading (batch) axes;
    /// `b` may also be rank 2 (shared across the batch). `transA`/`transB` transpose the last two axes.
    public static func batched(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false, alpha: Float = 1) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: ranks \(a.shape) \(b.shape)")
        let ar = a.rank, br = b.rank
        let m = transA ? a.shape[ar - 1] : a.shape[ar - 2]
        let k = transA ? a.shape[ar - 2] : a.shape[ar - 1]
        let kb = transB ? b.shape[br - 1] : b.shape[br - 2]
        let n = transB ? b.shape[br - 2] : b.shape[br - 1]
        precondition(k == kb, "matmul: inner extents \(a.shape) \(b.shape)")
        let batchShape = Array(a.shape.dropLast(2))
        let batch = batchShape.reduce(1, *)
        let shared = br == 2
        precondition(shared || Array(b.shape.dropLast(2)) == batchShape, "matmul: batch axes \(a.shape) \(b.shape)")
        if shared && !transA {
            // One big GEMM over all rows.
            return Tensor(shape: batchShape + [m, n]) { c in
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                    BLAS.sgemm(transB: transB, m: batch * m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: a.shape[ar - 1],
                               b: bp.baseAddress!, ldb: b.shape[br - 1], c: c.baseAddress!, ldc: n)
                } }
            }
        }
        let sa = m * k, sb = shared ? 0 : k * n, sc = m * n
        return Tensor(shape: batchShape + [m, n]) { c in
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                let A = ap.baseAddress!, B = bp.baseAddress!, C = c.baseAddress!
                let lda = a.shape[ar - 1], ldb = b.shape[br - 1]
                for i in 0..<batch {
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: A + i * sa, lda: lda,
                               b: B + i * sb, ldb: ldb, c: C + i * sc, ldc: n)
                }
            } }
        }
    }
}
