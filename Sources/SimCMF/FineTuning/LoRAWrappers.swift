import Tensor

/// LoRA around one projection (the mask decoder's separate `q_proj`, `k_proj`, `v_proj`):
/// `base(x) + B(A(x))` (docs/REFERENCE.md §4: `q = q_proj(q_in) + B_q(A_q(q_in))`).
public final class LoRALinear: Projection {
    public let base: Linear
    public let pair: LoRAPair

    public init(base: Linear, pair: LoRAPair) { self.base = base; self.pair = pair }

    public var addedParameters: [Parameter] { pair.parameters }
    public func callAsFunction(_ x: Variable) -> Variable { base(x) + pair(x) }
}

/// LoRA around a fused `qkv` Linear(dim → 3·dim): the pairs' deltas added into the fused output, so the
/// attention still reads q, k and v in place from the `qkv` rows (the fast paths of `ViTAttention.attend`
/// and `TinyViTAttention.attend`). A missing pair (k, by default) contributes zeros.
public final class LoRAFusedQKV: Projection {
    /// Where q, k and v sit in one token's `3·dim` outputs.
    public enum Layout: Sendable, Equatable {
        /// SAM's ViT: `[q | k | v]`, each `dim` wide.
        case tokenMajor
        /// TinyViT: `[heads, (q | k | v), keyDim]`, i.e. per head its q, k and v.
        case headMajor(heads: Int)
    }

    public let base: Linear
    public let pairs: LoRAProjections
    public let layout: Layout

    public init(base: Linear, pairs: LoRAProjections, layout: Layout) { self.base = base; self.pairs = pairs; self.layout = layout }

    /// Reference registration order: q, then k (an extension), then v.
    public var addedParameters: [Parameter] { pairs.parameters }

    /// `x [..., dim]` → `[..., 3·dim]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let projected = base(x)
        let shape = projected.shape
        let dim = shape[shape.count - 1] / 3
        var partShape = shape
        partShape[partShape.count - 1] = dim
        let zero = Variable(.zeros(partShape))
        let parts = [pairs.q?(x) ?? zero, pairs.k?(x) ?? zero, pairs.v?(x) ?? zero]
        switch layout {
        case .tokenMajor:
            return projected + Variable.concat(parts, axis: shape.count - 1)
        case let .headMajor(heads):
            // Each part [..., heads·kd] → [..., heads, 1, kd]; stacked on the (q | k | v) axis → [..., heads, 3, kd].
            let lead = Array(shape.dropLast())
            let kd = dim / heads
            let stacked = Variable.concat(parts.map { $0.reshaped(lead + [heads, 1, kd]) }, axis: lead.count + 1)
            return projected + stacked.reshaped(shape)
        }
    }
}
