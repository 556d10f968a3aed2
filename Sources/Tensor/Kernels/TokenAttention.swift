extension Attention {
    /// The layouts of q, k, v and the output inside token rows: `projected [b, N, 3C]` holds `[q | k | v]`
    /// per token, each `C = heads · d` wide with the heads side by side (what a `qkv` linear layer
    /// writes); the output is `[b, N, C]` with the heads merged. Items are head-major: item `i` is head
    /// `i / b` of entry `i % b`.
    static func tokenLayouts(b: Int, N: Int, heads: Int, d: Int) -> (q: Rows, k: Rows, v: Rows, out: Rows) {
        let C = heads * d
        let part = Rows(stride: 3 * C, batches: b, batchStride: N * 3 * C, headStride: d)
        return (part, part, part, Rows(stride: C, batches: b, batchStride: N * C, headStride: d))
    }

    /// Self-attention straight from token rows `projected [b, N, 3C]` (see `tokenLayouts`) to merged
    /// heads `[b, N, C]`, with no permutes: the same numbers as permuting to `[3, heads·b, N, d]`,
    /// `forward(packed:)`, and permuting back. The bias addresses the `heads · b` items head-major
    /// (a relative bias's `zh` is `[heads · b · N, 2h − 1]`). `outShape` defaults to `[b, N, C]`.
    static func forward(tokens projected: Tensor, b: Int, N: Int, heads: Int, bias: AttentionBias, scale: Float, keep: Keep,
                        outShape: [Int]? = nil) -> (out: Tensor, kept: KeptAttentionProbabilities?) {
        let C = projected.shape.last! / 3, d = C / heads
        precondition(projected.count == b * N * 3 * C && C == heads * d, "attention: tokens \(projected.shape) for \(b)x\(N) tokens of \(heads) heads")
        checkBias(bias, b * heads, N, N)
        return projected.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            return forward(Operands(Q: base, K: base + C, V: base + 2 * C, B: b * heads, N: N, M: N, d: d, dv: d,
                                    layouts: tokenLayouts(b: b, N: N, heads: heads, d: d)),
                           bias, scale, keep, outShape: outShape ?? [b, N, C])
        }
    }

    /// Backward of `forward(tokens:)`: the gradient of `projected` (same shape), and of the bias.
    static func backward(tokens projected: Tensor, b: Int, N: Int, heads: Int, bias: AttentionBias, scale: Float, probs: Tensor?,
                         g: Tensor, needBias: Bool) -> (dprojected: Tensor, dZh: Tensor?, dZw: Tensor?) {
        let C = projected.shape.last! / 3, d = C / heads
        var grad: Tensor? = Tensor(shape: projected.shape, unsafeUninitialized: { _ in })
        let D = pointer(&grad)!
        let r = projected.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            return backward(Operands(Q: base, K: base + C, V: base + 2 * C, B: b * heads, N: N, M: N, d: d, dv: d,
                                     layouts: tokenLayouts(b: b, N: N, heads: heads, d: d)),
                            DQ: D, DK: D + C, DV: D + 2 * C, bias, scale, probs, g, needBias)
        }
        return (grad!, r.dZh, r.dZw)
    }
}
