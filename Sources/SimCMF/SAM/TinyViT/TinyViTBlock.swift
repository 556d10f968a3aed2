import Autodiff
import TensorCore

/// TinyViT's `Mlp`: LayerNorm (eps 1e-5) → fc1 → GELU → fc2. `x [..., dim]` → `[..., dim]`.
public final class TinyViTMLP: Module {
    public let norm: LayerNormLayer
    public let fc1: Linear
    public let fc2: Linear

    public init(_ prefix: String, dim: Int, hidden: Int, generator: inout SeededGenerator) {
        norm = LayerNormLayer(dotted(prefix, "norm"), dim: dim)
        fc1 = Linear(dotted(prefix, "fc1"), inFeatures: dim, outFeatures: hidden, generator: &generator)
        fc2 = Linear(dotted(prefix, "fc2"), inFeatures: hidden, outFeatures: dim, generator: &generator)
        for l in [fc1, fc2] {
            l.weight.value = Tensor.normal(l.weight.value.shape, std: 0.02, using: &generator).clamped(min: -2, max: 2)
            l.bias?.value = .zeros(l.bias!.value.shape)
        }
    }

    public var parameters: [Parameter] { norm.parameters + fc1.parameters + fc2.parameters }
    public func callAsFunction(_ x: Variable) -> Variable { fc2(gelu(fc1(norm(x)))) }
}

/// `TinyViTBlock`: `x + windowAttention(x)` (windows of `windowSize`, the grid zero-padded at the
/// bottom/right to a multiple — padded tokens pass through the attention's LayerNorm and are attended
/// to, as in PyTorch — then cropped; the padding's q, k, v computed once, see `callAsFunction`), a
/// depthwise `local_conv` Conv2d_BN, then `x + mlp(x)`.
/// Tokens `x [B, H, W, dim]` → `[B, H, W, dim]`.
public final class TinyViTBlock: Module {
    public let attn: TinyViTAttention
    public let mlp: TinyViTMLP
    public let localConv: Conv2dBatchNorm
    public let windowSize: Int

    public init(_ prefix: String, dim: Int, heads: Int, windowSize: Int, mlpRatio: Double, localConvSize: Int,
                generator: inout SeededGenerator) {
        self.windowSize = windowSize
        attn = TinyViTAttention(dotted(prefix, "attn"), dim: dim, heads: heads, resolution: windowSize, generator: &generator)
        mlp = TinyViTMLP(dotted(prefix, "mlp"), dim: dim, hidden: Int(Double(dim) * mlpRatio), generator: &generator)
        localConv = Conv2dBatchNorm(dotted(prefix, "local_conv"), inChannels: dim, outChannels: dim, kernel: localConvSize,
                                    padding: localConvSize / 2, groups: dim, generator: &generator)
    }

    public var parameters: [Parameter] { attn.parameters + mlp.parameters + localConv.parameters }
    public var buffers: [Parameter] { localConv.buffers }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        let (B, H, W, C) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let ws = windowSize
        let a: Variable
        if H == ws && W == ws {
            a = attn(x.reshaped([B, H * W, C])).reshaped([B, H, W, C])
        } else {
            // PyTorch pads the grid with zero tokens, which the attention's LayerNorm maps to its bias and
            // `qkv` (with any LoRA terms, see `qkvProjection`) then projects, all alike. Projecting only the real tokens and filling the padding with
            // the projection of one zero token gives the same windows (and gradients: the pad token's
            // gradient is the padding's summed) without the padding's share of the norm and qkv; `proj` is
            // per-token, so it runs after unpartitioning, on the real tokens only (64² tokens padded to
            // 70² in LiteMedSAM's last two stages).
            let padToken = attn.projectQKV(Variable(.zeros([1, 1, 1, C]))).reshaped([3 * C])
            let (windows, Hp, Wp) = windowPartition(attn.projectQKV(x), window: ws, fill: padToken)
            let out = attn.attend(windows.reshaped([-1, ws * ws, 3 * C])).reshaped([-1, ws, ws, C])
            a = attn.proj(windowUnpartition(out, window: ws, paddedH: Hp, paddedW: Wp, h: H, w: W))
        }
        var y = x + a
        y = localConv.channelsLast(y, mode: mode)
        return y + mlp(y)
    }
}
