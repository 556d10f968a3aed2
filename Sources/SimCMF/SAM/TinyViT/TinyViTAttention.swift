import Autodiff
import TensorCore

/// TinyViT's window `Attention` (attn_ratio 1, key_dim = dim / heads) with a learned bias per head
/// and per relative offset `(|Δrow|, |Δcol|)`: `softmax(q·kᵀ/√key_dim + attention_biases[:, attention_bias_idxs]) · v`.
/// Parameters `<prefix>.norm.*` (LayerNorm, eps 1e-5, applied first), `<prefix>.qkv.*` (`[3·dim, dim]`,
/// laid out per head as `[heads, (q | k | v), key_dim]`), `<prefix>.proj.*`, `<prefix>.attention_biases [heads, offsets]`.
/// `x [B, N, dim]` with `N = resolution²` → `[B, N, dim]`.
public final class TinyViTAttention: Module {
    public let norm: LayerNormLayer
    public let qkv: Linear
    public let proj: Linear
    public let attentionBiases: Parameter
    public let heads: Int
    public let keyDim: Int
    public let resolution: Int
    /// `attention_bias_idxs` flattened `[N·N]` (a non-persistent buffer in PyTorch, recomputed here).
    public let attentionBiasIndices: [Int]
    /// The projection the forward uses for `qkv`: `qkv` itself, or a fine-tuning wrapper around it (LoRA's
    /// `LoRAFusedQKV` with the `[heads, (q | k | v), key_dim]` layout: `q += B_q(A_q(norm(x)))` per head,
    /// likewise v).
    public internal(set) var qkvProjection: any Projection

    public init(_ prefix: String, dim: Int, heads: Int, resolution: Int, generator: inout SeededGenerator) {
        self.heads = heads
        keyDim = dim / heads
        self.resolution = resolution
        norm = LayerNormLayer(dotted(prefix, "norm"), dim: dim)
        qkv = Linear(dotted(prefix, "qkv"), inFeatures: dim, outFeatures: 3 * dim, generator: &generator)
        proj = Linear(dotted(prefix, "proj"), inFeatures: dim, outFeatures: dim, generator: &generator)
        qkvProjection = qkv
        let (indices, offsets) = TinyViTAttention.biasIndices(resolution: resolution)
        attentionBiasIndices = indices
        attentionBiases = Parameter(dotted(prefix, "attention_biases"), .zeros([heads, offsets]))
        // `_init_weights`: Linear weights trunc_normal(std 0.02), biases 0.
        for l in [qkv, proj] {
            l.weight.value = Tensor.normal(l.weight.value.shape, std: 0.02, using: &generator).clamped(min: -2, max: 2)
            l.bias?.value = .zeros(l.bias!.value.shape)
        }
    }

    public var parameters: [Parameter] { [attentionBiases] + norm.parameters + qkv.parameters + proj.parameters + qkvProjection.addedParameters }

    /// `attention_bias_idxs` for a `resolution × resolution` window: offsets numbered in first-seen
    /// order over `itertools.product(points, points)` (row-major points). Returns the `N·N` indices
    /// and the number of distinct offsets (`resolution²` for a square window).
    public static func biasIndices(resolution r: Int) -> (indices: [Int], offsetCount: Int) {
        var seen: [Int: Int] = [:]
        var idx: [Int] = []
        idx.reserveCapacity(r * r * r * r)
        for p1 in 0..<(r * r) {
            for p2 in 0..<(r * r) {
                let key = abs(p1 / r - p2 / r) * r + abs(p1 % r - p2 % r)
                if let i = seen[key] { idx.append(i) } else { seen[key] = seen.count; idx.append(seen.count - 1) }
            }
        }
        return (idx, seen.count)
    }

    /// The per-token projection `qkvProjection(norm(x))`: `x [..., dim]` → `[..., 3·dim]`.
    public func projectQKV(_ x: Variable) -> Variable { qkvProjection(norm(x)) }

    /// Attention within each window of projected tokens `[windows, N, 3·dim]` (from `projectQKV`) → the
    /// heads' outputs merged, `[windows, N, dim]`, before `proj`. Heads split and merged by direct copies,
    /// no q/k/v slices, the bias gathered once.
    public func attend(_ projected: Variable) -> Variable {
        precondition(projected.shape[1] == resolution * resolution,
                     "TinyViTAttention: \(projected.shape[1]) tokens for a \(resolution)×\(resolution) window")
        return windowAttention(qkvProjection: projected, heads: heads, biasTable: attentionBiases.variable,
                               indices: attentionBiasIndices, scale: 1 / Float(keyDim).squareRoot())
    }

    /// `x [B, N, dim]` → `[B, N, dim]`: `proj(attend(projectQKV(x)))`.
    public func callAsFunction(_ x: Variable) -> Variable { proj(attend(projectQKV(x))) }
}
