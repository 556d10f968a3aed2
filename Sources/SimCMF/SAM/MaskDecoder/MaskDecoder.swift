import Autodiff
import TensorCore

/// SAM's mask decoder (`mask_decoder.*`): output tokens (IoU token + `multimask + 1` mask tokens)
/// joined with the sparse prompt embeddings, a two-way transformer over them and the image embedding
/// (+ dense prompt embedding), output upscaling ConvT(D→D/4, 2×2 s2) → LN2d → GELU → ConvT(D/4→D/8)
/// → GELU, one hypernetwork MLP per mask token, and the IoU head.
public final class MaskDecoder: Module {
    public let transformerDim: Int
    public let maskTokenCount: Int
    public let transformer: TwoWayTransformer
    public let iouToken: EmbeddingTable
    public let maskTokens: EmbeddingTable
    public let upscaleConv1: ConvTranspose2dLayer
    public let upscaleNorm: LayerNorm2d
    public let upscaleConv2: ConvTranspose2dLayer
    public let outputHypernetworksMLPs: [SAMMLP]
    public let iouPredictionHead: SAMMLP

    public init(_ prefix: String = "mask_decoder", configuration c: SAMConfiguration, generator: inout SeededGenerator) {
        let d = c.promptEmbedDim
        transformerDim = d
        maskTokenCount = c.multimaskOutputs + 1
        transformer = TwoWayTransformer(dotted(prefix, "transformer"), depth: c.decoderDepth, dim: d, heads: c.decoderHeads,
                                        mlpDim: c.decoderMLPDim, downsampleRate: c.attentionDownsampleRate, generator: &generator)
        iouToken = EmbeddingTable(dotted(prefix, "iou_token"), count: 1, dim: d, generator: &generator)
        maskTokens = EmbeddingTable(dotted(prefix, "mask_tokens"), count: c.multimaskOutputs + 1, dim: d, generator: &generator)
        upscaleConv1 = ConvTranspose2dLayer(dotted(prefix, "output_upscaling.0"), inChannels: d, outChannels: d / 4, stride: 2, generator: &generator)
        upscaleNorm = LayerNorm2d(dotted(prefix, "output_upscaling.1"), channels: d / 4)
        upscaleConv2 = ConvTranspose2dLayer(dotted(prefix, "output_upscaling.3"), inChannels: d / 4, outChannels: d / 8, stride: 2, generator: &generator)
        outputHypernetworksMLPs = (0..<(c.multimaskOutputs + 1)).map { i in
            SAMMLP(dotted(prefix, "output_hypernetworks_mlps.\(i)"), inputDim: d, hiddenDim: d, outputDim: d / 8, layerCount: 3, generator: &generator)
        }
        iouPredictionHead = SAMMLP(dotted(prefix, "iou_prediction_head"), inputDim: d, hiddenDim: c.iouHeadHiddenDim,
                                   outputDim: c.multimaskOutputs + 1, layerCount: c.iouHeadDepth, generator: &generator)
    }

    public var parameters: [Parameter] {
        var all = transformer.parameters + iouToken.parameters + maskTokens.parameters
        all += upscaleConv1.parameters + upscaleNorm.parameters + upscaleConv2.parameters
        return all + outputHypernetworksMLPs.flatMap(\.parameters) + iouPredictionHead.parameters
    }

    /// Predicts masks.
    /// - Parameters:
    ///   - imageEmbeddings: `[Bi, D, h, w]`; Bi equals the prompt batch B, or is 1 (repeated over the
    ///     prompts, as segment-anything's `repeat_interleave` for one image).
    ///   - imagePE: `[1, D, h, w]` (`get_dense_pe()`).
    ///   - sparse: `[B, N, D]`; dense: `[B, D, h, w]`.
    /// - Returns: low-resolution logits `[B, K, 4h, 4w]` and IoU predictions `[B, K]`, K = 1 (mask token 0)
    ///   or `multimask` (tokens 1…) when `multimaskOutput`.
    public func callAsFunction(imageEmbeddings: Variable, imagePE: Variable, sparse: Variable, dense: Variable,
                               multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable) {
        let (masks, iou) = try predictMasks(imageEmbeddings: imageEmbeddings, imagePE: imagePE, sparse: sparse, dense: dense)
        let range = multimaskOutput ? 1..<maskTokenCount : 0..<1
        return (masks.slice(axis: 1, range), iou.slice(axis: 1, range))
    }

    /// All `maskTokenCount` masks `[B, 4, 4h, 4w]` and IoU predictions `[B, 4]`.
    public func predictMasks(imageEmbeddings: Variable, imagePE: Variable, sparse: Variable, dense: Variable) throws -> (Variable, Variable) {
        let d = transformerDim
        let B = sparse.shape[0]
        guard sparse.value.rank == 3, sparse.shape[2] == d else {
            throw SAMError.shapeMismatch(field: "sparse prompt embeddings", expected: "[B, N, \(d)]", got: sparse.shape)
        }
        let e = imageEmbeddings.shape
        guard e.count == 4, e[1] == d, e[0] == B || e[0] == 1 else {
            throw SAMError.shapeMismatch(field: "image embeddings", expected: "[\(B) or 1, \(d), h, w]", got: e)
        }
        let (h, w) = (e[2], e[3])
        guard dense.shape == [B, d, h, w] else {
            throw SAMError.shapeMismatch(field: "dense prompt embeddings", expected: "[\(B), \(d), \(h), \(w)]", got: dense.shape)
        }
        guard imagePE.shape == [1, d, h, w] else {
            throw SAMError.shapeMismatch(field: "image positional encoding", expected: "[1, \(d), \(h), \(w)]", got: imagePE.shape)
        }
        let outputTokens = Variable.concat([iouToken.weight.variable, maskTokens.weight.variable], axis: 0)   // [1 + K, D]
        var tokens = outputTokens.reshaped([1, maskTokenCount + 1, d]) + Variable(Tensor(shape: [B, maskTokenCount + 1, d]))
        if sparse.shape[1] > 0 { tokens = Variable.concat([tokens, sparse], axis: 1) }
        // [1, D, h, w] + [B, D, h, w] broadcasts the single image over the prompts.
        let src = imageEmbeddings + dense
        let pos = imagePE + Variable(Tensor(shape: [B, d, h, w]))
        let (hs, keys) = transformer(image: src, imagePE: pos, tokens: tokens)
        let iouTokenOut = hs.slice(axis: 1, 0..<1).reshaped([B, d])
        let upscaled = gelu(upscaleConv2(gelu(upscaleNorm(upscaleConv1(keys.permuted([0, 2, 1]).reshaped([B, d, h, w]))))))
        let (c, uh, uw) = (upscaled.shape[1], upscaled.shape[2], upscaled.shape[3])
        let hyper = Variable.stack((0..<maskTokenCount).map { i in
            outputHypernetworksMLPs[i](hs.slice(axis: 1, (1 + i)..<(2 + i)).reshaped([B, d]))
        }, axis: 1)   // [B, K, D/8]
        let masks = matmul(hyper, upscaled.reshaped([B, c, uh * uw])).reshaped([B, maskTokenCount, uh, uw])
        return (masks, iouPredictionHead(iouTokenOut))
    }
}
