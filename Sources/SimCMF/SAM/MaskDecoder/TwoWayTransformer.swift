import Autodiff
import TensorCore

/// One `TwoWayAttentionBlock` (`mask_decoder.transformer.layers.{l}`): token self-attention,
/// token→image cross-attention, a ReLU MLP on the tokens, image→token cross-attention, each followed
/// by a LayerNorm (eps 1e-5). The first layer skips the positional encoding and the residual of
/// its self-attention (`skip_first_layer_pe`).
public final class TwoWayAttentionBlock: Module {
    public let selfAttn: DecoderAttention
    public let norm1: LayerNormLayer
    public let crossAttnTokenToImage: DecoderAttention
    public let norm2: LayerNormLayer
    public let lin1: Linear, lin2: Linear
    public let norm3: LayerNormLayer
    public let norm4: LayerNormLayer
    public let crossAttnImageToToken: DecoderAttention
    public let skipFirstLayerPE: Bool
    /// The path after the token→image residual `t`, before `norm3`: `norm2(t) + mlp(norm2(t))`
    /// (`DecoderMLPPath`), or a fine-tuning wrapper around it (the MLP adapter's `AdapterMLPPath`, which adds
    /// `adapter(t)` of the pre-`norm2` stream).
    public internal(set) var mlpPath: any MLPPath

    public init(_ prefix: String, dim: Int, heads: Int, mlpDim: Int, downsampleRate: Int, skipFirstLayerPE: Bool,
                generator: inout SeededGenerator) {
        selfAttn = DecoderAttention(dotted(prefix, "self_attn"), dim: dim, heads: heads, generator: &generator)
        norm1 = LayerNormLayer(dotted(prefix, "norm1"), dim: dim)
        crossAttnTokenToImage = DecoderAttention(dotted(prefix, "cross_attn_token_to_image"), dim: dim, heads: heads,
                                                 downsampleRate: downsampleRate, generator: &generator)
        norm2 = LayerNormLayer(dotted(prefix, "norm2"), dim: dim)
        lin1 = Linear(dotted(prefix, "mlp.lin1"), inFeatures: dim, outFeatures: mlpDim, generator: &generator)
        lin2 = Linear(dotted(prefix, "mlp.lin2"), inFeatures: mlpDim, outFeatures: dim, generator: &generator)
        norm3 = LayerNormLayer(dotted(prefix, "norm3"), dim: dim)
        norm4 = LayerNormLayer(dotted(prefix, "norm4"), dim: dim)
        crossAttnImageToToken = DecoderAttention(dotted(prefix, "cross_attn_image_to_token"), dim: dim, heads: heads,
                                                 downsampleRate: downsampleRate, generator: &generator)
        self.skipFirstLayerPE = skipFirstLayerPE
        mlpPath = DecoderMLPPath(norm2: norm2, lin1: lin1, lin2: lin2)
    }

    public var parameters: [Parameter] {
        var all = selfAttn.parameters + norm1.parameters + crossAttnTokenToImage.parameters + norm2.parameters
        all += lin1.parameters + lin2.parameters + norm3.parameters + norm4.parameters
        return all + crossAttnImageToToken.parameters + mlpPath.addedParameters
    }

    /// `queries [B, T, D]`, `keys [B, hw, D]` with their positional encodings → updated `(queries, keys)`.
    public func callAsFunction(queries q0: Variable, keys k0: Variable, queryPE: Variable, keyPE: Variable) -> (Variable, Variable) {
        var queries: Variable
        if skipFirstLayerPE {
            queries = selfAttn(q: q0, k: q0, v: q0)
        } else {
            let q = q0 + queryPE
            queries = q0 + selfAttn(q: q, k: q, v: q0)
        }
        queries = norm1(queries)
        queries = queries + crossAttnTokenToImage(q: queries + queryPE, k: k0 + keyPE, v: k0)
        queries = norm3(mlpPath(queries))
        let keys = norm4(k0 + crossAttnImageToToken(q: k0 + keyPE, k: queries + queryPE, v: queries))
        return (queries, keys)
    }
}

/// SAM's `TwoWayTransformer` (`mask_decoder.transformer`): `depth` two-way blocks, then a final
/// token→image attention and `norm_final_attn`.
public final class TwoWayTransformer: Module {
    public let layers: [TwoWayAttentionBlock]
    public let finalAttnTokenToImage: DecoderAttention
    public let normFinalAttn: LayerNormLayer

    public init(_ prefix: String, depth: Int, dim: Int, heads: Int, mlpDim: Int, downsampleRate: Int = 2,
                generator: inout SeededGenerator) {
        layers = (0..<depth).map { i in
            TwoWayAttentionBlock(dotted(prefix, "layers.\(i)"), dim: dim, heads: heads, mlpDim: mlpDim,
                                 downsampleRate: downsampleRate, skipFirstLayerPE: i == 0, generator: &generator)
        }
        finalAttnTokenToImage = DecoderAttention(dotted(prefix, "final_attn_token_to_image"), dim: dim, heads: heads,
                                                 downsampleRate: downsampleRate, generator: &generator)
        normFinalAttn = LayerNormLayer(dotted(prefix, "norm_final_attn"), dim: dim)
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) + finalAttnTokenToImage.parameters + normFinalAttn.parameters }

    /// `image [B, D, h, w]`, `imagePE [B, D, h, w]`, `tokens [B, T, D]` → `(tokens [B, T, D], image [B, h·w, D])`.
    public func callAsFunction(image: Variable, imagePE: Variable, tokens: Variable) -> (tokens: Variable, image: Variable) {
        let (B, D, h, w) = (image.shape[0], image.shape[1], image.shape[2], image.shape[3])
        let keysIn = image.reshaped([B, D, h * w]).permuted([0, 2, 1])
        let keyPE = imagePE.reshaped([imagePE.shape[0], D, h * w]).permuted([0, 2, 1])
        var queries = tokens, keys = keysIn
        for layer in layers {
            (queries, keys) = layer(queries: queries, keys: keys, queryPE: tokens, keyPE: keyPE)
        }
        let attn = finalAttnTokenToImage(q: queries + tokens, k: keys + keyPE, v: keys)
        return (normFinalAttn(queries + attn), keys)
    }
}
