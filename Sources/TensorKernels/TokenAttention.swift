import TensorCore

/// How a `qkv` linear layer's output orders each token's `3C` values (`C = heads · d`).
package enum QKVOrder {
    /// `[q | k | v]`, each `[heads, d]`: SAM's `qkv.reshape(B, N, 3, heads, d)`.
    case partsThenHeads
    /// `[heads, (q | k | v), d]`: TinyViT's `qkv.view(B, N, heads, -1).split([d, d, d], dim=3)`.
    case headsThenParts

    /// Floats from a token's q to its k (and from its k to its v), and from one head's q to the next's.
    func offsets(heads: Int, d: Int) -> (part: Int, head: Int) {
        switch self {
        case .partsThenHeads: return (heads * d, d)
        case .headsThenParts: return (d, 3 * d)
        }
    }
}

extension Attention {
    /// The layouts of q, k, v and the output inside token rows: `projected [b, N, 3C]` holds each token's
    /// q, k and v in `order` (what a `qkv` linear layer writes); the output is `[b, N, C]` with the heads
    /// merged. Items are head-major: item `i` is head `i / b` of entry `i % b`.
    static func tokenLayouts(b: Int, N: Int, heads: Int, d: Int, order: QKVOrder) -> (q: Rows, k: Rows, v: Rows, out: Rows) {
        let C = heads * d
        let part = Rows(stride: 3 * C, batches: b, batchStride: N * 3 * C, headStride: order.offsets(heads: heads, d: d).head)
        return (part, part, part, Rows(stride: C, batches: b, batchStride: N * C, headStride: d))
    }

    /// Self-attention straight from token rows `projected [b, N, 3C]` (see `tokenLayouts`) to merged
    /// heads `[b, N, C]`, with no permutes: the same numbers as permuting to `[3, heads·b, N, d]`,
    /// `forward(packed:)`, and permuting back. The bias addresses the `heads · b` items head-major
    /// (a relative bias's `zh` is `[heads · b · N, 2h − 1]`). `outShape` defaults to `[b, N, C]`.
    package static func forward(tokens projected: Tensor, b: Int, N: Int, heads: Int, order: QKVOrder = .partsThenHeads, bias: AttentionBias,
                        scale: Float, keep: Keep, outShape: [Int]? = nil) -> (out: Tensor, kept: KeptAttentionProbabilities?) {
        let C = projected.shape.last! / 3, d = C / heads, part = order.offsets(heads: heads, d: d).part
        precondition(projected.count == b * N * 3 * C && C == heads * d, "attention: tokens \(projected.shape) for \(b)x\(N) tokens of \(heads) heads")
        checkBias(bias, b * heads, N, N)
        return projected.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            return forward(Operands(Q: base, K: base + part, V: base + 2 * part, B: b * heads, N: N, M: N, d: d, dv: d,
                                    layouts: tokenLayouts(b: b, N: N, heads: heads, d: d, order: order)),
                           bias, scale, keep, outShape: outShape ?? [b, N, C])
        }
    }

    /// Backward of `forward(tokens:)`: the gradient of `projected` (same shape), and of the bias (`dBias`
    /// per item for a tensor or per-head bias, `dZh`, `dZw` for a relative one).
    package static func backward(tokens projected: Tensor, b: Int, N: Int, heads: Int, order: QKVOrder = .partsThenHeads, bias: AttentionBias,
                         scale: Float, probs: Tensor?, g: Tensor, needBias: Bool)
        -> (dprojected: Tensor, dBias: Tensor?, dZh: Tensor?, dZw: Tensor?) {
        let C = projected.shape.last! / 3, d = C / heads, part = order.offsets(heads: heads, d: d).part
        var grad: Tensor? = Tensor(shape: projected.shape, unsafeUninitialized: { _ in })
        let D = pointer(&grad)!
        let r = projected.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            return backward(Operands(Q: base, K: base + part, V: base + 2 * part, B: b * heads, N: N, M: N, d: d, dv: d,
                                     layouts: tokenLayouts(b: b, N: N, heads: heads, d: d, order: order)),
                            DQ: D, DK: D + part, DV: D + 2 * part, bias, scale, probs, g, needBias)
        }
        return (grad!, r.dBias, r.dZh, r.dZw)
    }
}
