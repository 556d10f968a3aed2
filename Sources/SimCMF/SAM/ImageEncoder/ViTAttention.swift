import Autodiff
import TensorCore

/// The image encoder's multi-head self-attention with SAM's decomposed relative position
/// (`image_encoder.blocks.{i}.attn`): `qkv` Linear(C, 3C) with bias, `proj` Linear(C, C),
/// `rel_pos_h`/`rel_pos_w [2·S − 1, headDim]` where S is the window size (window blocks) or the
/// token-grid side (global blocks).
public final class ViTAttention: Module {
    public let qkv: Linear
    public let proj: Linear
    public let relPosH: Parameter
    public let relPosW: Parameter
    public let heads: Int
    public let scale: Float
    /// The projection the forward uses for `qkv`: `qkv` itself, or a fine-tuning wrapper around it (LoRA's
    /// `LoRAFusedQKV`: deltas added to the projected q/v before `q·scale` and before the relative-position
    /// term, which therefore also sees the adapted q).
    public internal(set) var qkvProjection: any Projection
    /// Key/value tokens appended after the image keys: none for plain SAM (`NoKeyValueTokens`), or visual-prompt
    /// or prefix tokens (fine-tuning, `ExtraKeyValueTokens`). The relative-position bias covers only the image keys.
    public internal(set) var keyValueTokens: any KeyValueTokens = NoKeyValueTokens()

    /// `inputSize` is the attended extent the tables are sized for (window or grid side).
    public init(_ prefix: String, dim: Int, heads: Int, inputSize: Int, generator: inout SeededGenerator) {
        qkv = Linear(dotted(prefix, "qkv"), inFeatures: dim, outFeatures: 3 * dim, generator: &generator)
        proj = Linear(dotted(prefix, "proj"), inFeatures: dim, outFeatures: dim, generator: &generator)
        qkvProjection = qkv
        let headDim = dim / heads
        relPosH = Parameter(dotted(prefix, "rel_pos_h"), .zeros([2 * inputSize - 1, headDim]))
        relPosW = Parameter(dotted(prefix, "rel_pos_w"), .zeros([2 * inputSize - 1, headDim]))
        self.heads = heads
        scale = 1 / Float(headDim).squareRoot()
    }

    // State-dict order: the module's own tensors first, then its children.
    public var parameters: [Parameter] {
        [relPosH, relPosW] + qkv.parameters + proj.parameters + qkvProjection.addedParameters + keyValueTokens.addedParameters
    }

    /// `x [B, H, W, C]` → `[B, H, W, C]`; every token attends to every token of its `H × W` grid.
    /// The same as `proj(attend(projectQKV(x)))`.
    public func callAsFunction(_ x: Variable) -> Variable { proj(attend(projectQKV(x))) }

    /// The per-token projection to `[q | k | v]`: `x [B, H, W, C]` → `[B, H, W, 3C]` (`qkvProjection`).
    public func projectQKV(_ x: Variable) -> Variable { qkvProjection(x) }

    /// Attention over each `H × W` grid of projected tokens `[B, H, W, 3C]` (from `projectQKV`) →
    /// the heads' outputs merged, `[B, H, W, C]`, before the output projection `proj`.
    public func attend(_ projected: Variable) -> Variable {
        let (B, H, W, C) = (projected.shape[0], projected.shape[1], projected.shape[2], projected.shape[3] / 3)
        let hd = C / heads
        let rh = PositionTables.relativePositionTable(relPosH.variable, size: H)
        let rw = PositionTables.relativePositionTable(relPosW.variable, size: W)
        guard keyValueTokens.length > 0 else {
            // Each head's q, k, v read in place from the token rows; the output written with the heads merged.
            return attention(qkvProjection: projected, heads: heads, relativePositionBias: (relH: rh, relW: rw, h: H, w: W), scale: scale)
        }
        // qkv(x).reshape(B, H·W, 3, heads, hd).permute(2, 0, 3, 1, 4) → [3, B·heads, H·W, hd]
        let packed = projected.reshaped([B, H * W, 3, heads, hd]).permuted([2, 0, 3, 1, 4]).reshaped([3, B * heads, H * W, hd])
        let out = attentionWithExtraTokens(packed, relH: rh, relW: rw, h: H, w: W, batch: B)
        // [B·heads, H·W, hd] → [B, heads, H, W, hd] → [B, H, W, heads·hd]
        return out.reshaped([B, heads, H, W, hd]).permuted([0, 2, 3, 1, 4]).reshaped([B, H, W, C])
    }

    /// `packed [3, B·heads, N, hd]` attended with L extra keys/values per (image, head) from `keyValueTokens`
    /// (prompt tokens go through `qkvProjection`, their q part discarded; prefix tokens are used raw). Scores
    /// `scale·q·[k; k_x]ᵀ`, plus the decomposed relative position on the first N columns only → `[B·heads, N, hd]`.
    private func attentionWithExtraTokens(_ packed: Variable, relH: Variable, relW: Variable, h: Int, w: Int, batch B: Int) -> Variable {
        let (BH, N, hd) = (packed.shape[1], packed.shape[2], packed.shape[3])
        let L = keyValueTokens.length
        let q = packed.slice(axis: 0, 0..<1).reshaped([BH, N, hd])
        let k = packed.slice(axis: 0, 1..<2).reshaped([BH, N, hd])
        let v = packed.slice(axis: 0, 2..<3).reshaped([BH, N, hd])
        let (kx, vx) = keyValueTokens.projectedKeysValues(batch: B, heads: heads, headDim: hd, project: { self.qkvProjection($0) })
        let bias = decomposedRelativePosition(q, relH: relH, relW: relW, h: h, w: w).padded([(0, 0), (0, 0), (0, L)])
        return attention(q, Variable.concat([k, kx], axis: 1), Variable.concat([v, vx], axis: 1), bias: bias, scale: scale)
    }
}
