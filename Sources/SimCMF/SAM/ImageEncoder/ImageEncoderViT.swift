import Autodiff
import TensorCore

/// SAM's ViT image encoder (`image_encoder.*`): patch embedding Conv2d(in, C, k=p, s=p), absolute
/// position embedding `pos_embed [1, G, G, C]`, `depth` blocks (window or global attention with
/// decomposed relative position), and the neck Conv1×1(C→D, no bias) → LayerNorm2d → Conv3×3(D→D,
/// pad 1, no bias) → LayerNorm2d.
///
/// Any input `[B, in, H, W]` with H and W divisible by the patch size runs: for a token grid other than
/// `G × G`, `pos_embed` is resized bicubically and the global blocks' relative-position tables linearly
/// (see `PositionTables`).
public final class ImageEncoderViT: Module {
    public let configuration: SAMConfiguration
    public let patchEmbed: Conv2dLayer
    public let posEmbed: Parameter
    public let blocks: [ViTBlock]
    public let neck0: Conv2dLayer
    public let neck1: LayerNorm2d
    public let neck2: Conv2dLayer
    public let neck3: LayerNorm2d

    public init(_ prefix: String = "image_encoder", configuration c: SAMConfiguration, generator: inout SeededGenerator) {
        configuration = c
        let g = c.tokenGridSize
        posEmbed = Parameter(dotted(prefix, "pos_embed"), .zeros([1, g, g, c.encoderEmbedDim]))
        patchEmbed = Conv2dLayer(dotted(prefix, "patch_embed.proj"), inChannels: c.inChannels, outChannels: c.encoderEmbedDim,
                                 kernel: c.patchSize, stride: c.patchSize, generator: &generator)
        blocks = (0..<c.encoderDepth).map { i in
            ViTBlock(dotted(prefix, "blocks.\(i)"), dim: c.encoderEmbedDim, heads: c.encoderHeads, mlpRatio: c.mlpRatio,
                     windowSize: c.globalAttentionIndexes.contains(i) ? 0 : c.windowSize, gridSize: g, generator: &generator)
        }
        neck0 = Conv2dLayer(dotted(prefix, "neck.0"), inChannels: c.encoderEmbedDim, outChannels: c.promptEmbedDim, kernel: 1,
                            bias: false, generator: &generator)
        neck1 = LayerNorm2d(dotted(prefix, "neck.1"), channels: c.promptEmbedDim)
        neck2 = Conv2dLayer(dotted(prefix, "neck.2"), inChannels: c.promptEmbedDim, outChannels: c.promptEmbedDim, kernel: 3,
                            padding: 1, bias: false, generator: &generator)
        neck3 = LayerNorm2d(dotted(prefix, "neck.3"), channels: c.promptEmbedDim)
    }

    public var parameters: [Parameter] {
        [posEmbed] + patchEmbed.parameters + blocks.flatMap(\.parameters)
            + neck0.parameters + neck1.parameters + neck2.parameters + neck3.parameters
    }

    /// Checks `image [B, in, H, W]` (H, W positive multiples of the patch size).
    public func validate(image shape: [Int]) throws {
        let p = configuration.patchSize
        guard shape.count == 4, shape[0] > 0, shape[1] == configuration.inChannels,
              shape[2] > 0, shape[3] > 0, shape[2] % p == 0, shape[3] % p == 0 else {
            throw SAMError.shapeMismatch(field: "image", expected: "[B, \(configuration.inChannels), H, W] with H, W positive multiples of \(p)",
                                         got: shape)
        }
    }

    /// Tokens before the blocks: `patch_embed(image) + pos_embed`, `[B, H/p, W/p, C]`.
    public func embedPatches(_ image: Variable) -> Variable {
        let tokens = patchEmbed(image).permuted([0, 2, 3, 1])
        return tokens + PositionTables.absolutePositionEmbedding(posEmbed.variable, grid: (tokens.shape[1], tokens.shape[2]))
    }

    /// `image [B, in, H, W]` → image embeddings `[B, D, H/p, W/p]` (D = `promptEmbedDim`).
    public func callAsFunction(_ image: Variable) throws -> Variable {
        try validate(image: image.shape)
        return try forward(tokens: embedPatches(image))
    }

    /// The blocks and the neck on tokens `[B, h, w, C]` → `[B, D, h, w]` (for callers that build the
    /// tokens themselves, e.g. an alignment module replacing the patch embedding; add `pos_embed` first,
    /// see `embedPatches` and `PositionTables`).
    public func forward(tokens: Variable) throws -> Variable {
        let s = tokens.shape
        guard s.count == 4, s[0] > 0, s[1] > 0, s[2] > 0, s[3] == configuration.encoderEmbedDim else {
            throw SAMError.shapeMismatch(field: "tokens", expected: "[B, h, w, \(configuration.encoderEmbedDim)]", got: s)
        }
        var x = tokens
        for block in blocks { x = block(x) }
        return neck3(neck2(neck1(neck0(x.permuted([0, 3, 1, 2])))))
    }
}
