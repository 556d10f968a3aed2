import Autodiff
import TensorCore

/// One LoRA pair on a projection (`{prefix}.lora_{q,v}_a.weight [r, in]`, `{prefix}.lora_{q,v}_b.weight [out, r]`):
/// `delta(x) = scale · B(A(x))`, no bias, no dropout. SimCMF's reference uses scale 1 (no alpha).
/// Init as the reference: A kaiming-uniform(a = √5), i.e. `U(±1/√in)`; B zeros, so the pair starts as a no-op.
public final class LoRAPair: Module {
    public let a: Parameter
    public let b: Parameter
    public let scale: Float

    /// `name` is the reference's attribute (`lora_q` or `lora_v`); parameters are `{prefix}.{name}_a.weight` / `_b.weight`.
    public init(_ prefix: String, name: String, inFeatures: Int, outFeatures: Int, rank: Int, scale: Float = 1,
                generator: inout SeededGenerator) {
        let bound = 1 / Float(inFeatures).squareRoot()
        a = Parameter(dotted(prefix, name + "_a.weight"), Tensor.uniform([rank, inFeatures], low: -bound, high: bound, using: &generator))
        b = Parameter(dotted(prefix, name + "_b.weight"), .zeros([outFeatures, rank]))
        self.scale = scale
    }

    public var parameters: [Parameter] { [a, b] }

    /// `x [..., in]` → `[..., out]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let y = linear(linear(x, a.variable), b.variable)
        return scale == 1 ? y : y * scale
    }
}

/// LoRA on the projections of one attention module (the reference's `lora_q_*`, `lora_v_*`; `lora_k_*`
/// is this port's extension, off by default).
public struct LoRAProjections {
    public let q: LoRAPair?
    public let k: LoRAPair?
    public let v: LoRAPair?
    /// Reference registration order: q then v (k, an extension, in between).
    public var parameters: [Parameter] { (q?.parameters ?? []) + (k?.parameters ?? []) + (v?.parameters ?? []) }
}

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
