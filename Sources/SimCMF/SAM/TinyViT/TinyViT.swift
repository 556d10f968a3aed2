import Autodiff
import TensorCore

/// The TinyViT image encoder of MobileSAM / LiteMedSAM (`tiny_vit_sam.py`'s `TinyViT`): patch embed →
/// MBConv stage → TinyViT attention stages (PatchMerging between stages) → SAM neck.
/// `image [B, inChannels, S, S]` → embedding `[B, neckChannels, E, E]` (LiteMedSAM: `[B, 3, 256, 256]` → `[B, 256, 64, 64]`).
///
/// Parameter names are the state-dict keys under `prefix` (`image_encoder.layers.1.blocks.0.attn.qkv.weight`);
/// `buffers` are the BatchNorm running statistics (`….bn.running_mean`, `….bn.running_var`), loaded
/// with the parameters and never trainable. `batchNormMode` selects training (batch statistics,
/// running statistics updated) or evaluation (optionally folded into the convs).
public final class TinyViT: Module {
    public let configuration: TinyViTConfiguration
    public let prefix: String
    public let patchEmbed: TinyViTPatchEmbed
    public let convStage: TinyViTConvStage
    public let attentionStages: [TinyViTAttentionStage]
    public let neck: TinyViTNeck
    /// How every Conv2d_BN runs; `.evaluationFolded` by default (inference).
    public var batchNormMode: BatchNormMode = .evaluationFolded

    /// A randomly initialised encoder (PyTorch's initialisation scheme), e.g. before `load(_:)`.
    public init(configuration c: TinyViTConfiguration, prefix: String = "image_encoder", generator: inout SeededGenerator) throws {
        try c.validate()
        configuration = c
        self.prefix = prefix
        let n = c.stageCount
        patchEmbed = TinyViTPatchEmbed(dotted(prefix, "patch_embed"), inChannels: c.inChannels, embedDim: c.embedDims[0], stem: c.stem,
                                       generator: &generator)
        convStage = TinyViTConvStage(dotted(prefix, "layers.0"), dim: c.embedDims[0], depth: c.depths[0], expandRatio: c.mbconvExpandRatio,
                                     downsampleTo: c.embedDims[1], mergeStride: c.mergeStrides[0], generator: &generator)
        var stages: [TinyViTAttentionStage] = []
        for i in 1..<n {
            stages.append(TinyViTAttentionStage(
                dotted(prefix, "layers.\(i)"), dim: c.embedDims[i], depth: c.depths[i], heads: c.numHeads[i], windowSize: c.windowSizes[i],
                mlpRatio: c.mlpRatio, localConvSize: c.localConvSize, downsampleTo: i + 1 < n ? c.embedDims[i + 1] : nil,
                mergeStride: i < c.mergeStrides.count ? c.mergeStrides[i] : 1, generator: &generator))
        }
        attentionStages = stages
        neck = TinyViTNeck(dotted(prefix, "neck"), inChannels: c.embedDims[n - 1], outChannels: c.neckChannels, generator: &generator)
    }

    /// Learnable parameters, in state-dict order.
    public var parameters: [Parameter] {
        patchEmbed.parameters + convStage.parameters + attentionStages.flatMap(\.parameters) + neck.parameters
    }
    /// BatchNorm running statistics (non-trainable state).
    public var buffers: [Parameter] {
        patchEmbed.buffers + convStage.buffers + attentionStages.flatMap(\.buffers)
    }
    /// Number of learnable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// `image [B, inChannels, H, W]` → `[B, neckChannels, E, E]`.
    public func callAsFunction(_ image: Variable) -> Variable {
        let mode = batchNormMode
        var x = patchEmbed(image, mode: mode)
        x = convStage(x, mode: mode)
        for s in attentionStages { x = s(x, mode: mode) }
        return neck(x)
    }

    /// As `callAsFunction`, checking the input shape first.
    public func encode(_ image: Variable) throws -> Variable {
        let s = image.shape
        guard s.count == 4, s[1] == configuration.inChannels, s[2] > 0, s[3] > 0 else {
            throw TinyViTError.invalidInput(shape: s, expected: "[B, \(configuration.inChannels), H, W]")
        }
        return self(image)
    }
}
