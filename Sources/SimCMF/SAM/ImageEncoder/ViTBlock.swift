import Autodiff
import TensorCore

/// The encoder's `MLPBlock`: `lin2(GELU(lin1(x)))`, `x [..., C]` → `[..., C]` (one `geluMLP`: backward
/// recomputes the GELU output rather than keeping it).
public final class ViTMLP: Module {
    public let lin1: Linear, lin2: Linear

    public init(_ prefix: String, dim: Int, hiddenDim: Int, generator: inout SeededGenerator) {
        lin1 = Linear(dotted(prefix, "lin1"), inFeatures: dim, outFeatures: hiddenDim, generator: &generator)
        lin2 = Linear(dotted(prefix, "lin2"), inFeatures: hiddenDim, outFeatures: dim, generator: &generator)
    }

    public var parameters: [Parameter] { lin1.parameters + lin2.parameters }
    public func callAsFunction(_ x: Variable) -> Variable {
        geluMLP(x, lin1.weight.variable, lin1.bias?.variable, lin2.weight.variable, lin2.bias?.variable)
    }
}

/// One pre-norm transformer block of `ImageEncoderViT` (`image_encoder.blocks.{i}`):
/// `x = x + attn(norm1(x))` (windowed when `windowSize > 0`: zero-pad bottom/right after `norm1`,
/// attend per window, unpad), then `x = x + mlp(norm2(x))`. LayerNorm eps 1e-6. The windowed path
/// computes the padding tokens' q, k, v once (see `callAsFunction`), with the same result.
public final class ViTBlock: Module {
    public let norm1: LayerNormLayer, norm2: LayerNormLayer
    public let attn: ViTAttention
    public let mlp: ViTMLP
    /// 0 for a global-attention block.
    public let windowSize: Int
    /// The path after the attention residual `h`: `h + mlp(norm2(h))` (`ViTMLPPath`), or a fine-tuning
    /// wrapper around it (the MLP adapter's `AdapterMLPPath`: `h + mlp(norm2(h)) + adapter(h)`).
    public internal(set) var mlpPath: any MLPPath

    public init(_ prefix: String, dim: Int, heads: Int, mlpRatio: Int, windowSize: Int, gridSize: Int,
                generator: inout SeededGenerator) {
        norm1 = LayerNormLayer(dotted(prefix, "norm1"), dim: dim, eps: 1e-6)
        attn = ViTAttention(dotted(prefix, "attn"), dim: dim, heads: heads,
                            inputSize: windowSize > 0 ? windowSize : gridSize, generator: &generator)
        norm2 = LayerNormLayer(dotted(prefix, "norm2"), dim: dim, eps: 1e-6)
        mlp = ViTMLP(dotted(prefix, "mlp"), dim: dim, hiddenDim: dim * mlpRatio, generator: &generator)
        self.windowSize = windowSize
        mlpPath = ViTMLPPath(norm2: norm2, mlp: mlp)
    }

    // State-dict order: norm1, attn, norm2, mlp.
    public var parameters: [Parameter] {
        norm1.parameters + attn.parameters + norm2.parameters + mlp.parameters + mlpPath.addedParameters
    }

    /// `x [B, H, W, C]` → `[B, H, W, C]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        var y = norm1(x)
        if windowSize > 0 {
            // SAM pads the normalised grid with zero tokens, then projects every window token to q, k, v.
            // Projecting only the real tokens and filling the padding with the projection of a zero
            // token gives the same windows (and gradients) without the padding's share of the qkv and
            // proj GEMMs (804 of 4900 tokens for ViT at 1024²); proj is per-token, so it runs after
            // unpartitioning, on the real tokens only.
            let (H, W, C) = (x.shape[1], x.shape[2], x.shape[3])
            let padToken = attn.projectQKV(Variable(.zeros([1, 1, 1, C]))).reshaped([3 * C])
            let (windows, hp, wp) = windowPartition(attn.projectQKV(y), window: windowSize, fill: padToken)
            y = attn.proj(windowUnpartition(attn.attend(windows), window: windowSize, paddedH: hp, paddedW: wp, h: H, w: W))
        } else {
            y = attn(y)
        }
        return mlpPath(x + y)
    }
}
