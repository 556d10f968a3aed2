import Tensor

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

    /// `inputSize` is the attended extent the tables are sized for (window or grid side).
    public init(_ prefix: String, dim: Int, heads: Int, inputSize: Int, generator: inout SeededGenerator) {
        qkv = Linear(dotted(prefix, "qkv"), inFeatures: dim, outFeatures: 3 * dim, generator: &generator)
        proj = Linear(dotted(prefix, "proj"), inFeatures: dim, outFeatures: dim, generator: &generator)
        let headDim = dim / heads
        relPosH = Parameter(dotted(prefix, "rel_pos_h"), .zeros([2 * inputSize - 1, headDim]))
        relPosW = Parameter(dotted(prefix, "rel_pos_w"), .zeros([2 * inputSize - 1, headDim]))
        self.heads = heads
        scale = 1 / Float(headDim).squareRoot()
    }

    // State-dict order: the module's own tensors first, then its children.
    public var parameters: [Parameter] { [relPosH, relPosW] + qkv.parameters + proj.parameters }

    /// `x [B, H, W, C]` → `[B, H, W, C]`; every token attends to every token of its `H × W` grid.
    public func callAsFunction(_ x: Variable) -> Variable {
        let (B, H, W, C) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let hd = C / heads
        // qkv(x).reshape(B, H·W, 3, heads, hd).permute(2, 0, 3, 1, 4) → [3, B·heads, H·W, hd]
        let packed = qkv(x).reshaped([B, H * W, 3, heads, hd]).permuted([2, 0, 3, 1, 4]).reshaped([3, B * heads, H * W, hd])
        let rh = PositionTables.relativePositionTable(relPosH.variable, size: H)
        let rw = PositionTables.relativePositionTable(relPosW.variable, size: W)
        let out = attention(qkv: packed, relativePosition: (relH: rh, relW: rw, h: H, w: W), scale: scale)
        // [B·heads, H·W, hd] → [B, heads, H, W, hd] → [B, H, W, heads·hd]
        let merged = out.reshaped([B, heads, H, W, hd]).permuted([0, 2, 3, 1, 4]).reshaped([B, H, W, C])
        return proj(merged)
    }
}
