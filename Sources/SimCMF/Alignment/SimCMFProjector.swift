import Autodiff
import TensorCore

/// The reference's projector of LayerNorm2d: weight and bias stored `[1, C, 1, 1]` (not `[C]` as in SAM),
/// normalising each pixel over the channel axis (eps 1e-6).
public final class ProjectorLayerNorm2d: Module {
    public let weight: Parameter, bias: Parameter
    public let eps: Float

    public init(_ prefix: String, channels: Int, eps: Float = 1e-6) {
        weight = Parameter(dotted(prefix, "weight"), .ones([1, channels, 1, 1]))
        bias = Parameter(dotted(prefix, "bias"), .zeros([1, channels, 1, 1]))
        self.eps = eps
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// `x [B, C, H, W]` → `[B, C, H, W]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let c = weight.value.count
        return layerNorm2d(x, weight.variable.reshaped([c]), bias.variable.reshaped([c]), eps: eps)
    }
}

/// SimCMF's cross-modal alignment module (docs/REFERENCE.md §3.1), parameters `image_encoder.projector.…`:
///
/// ```
/// w    = sigmoid(avgpool(conv3×3(relu(LN2d(conv3×3(x))))))   moe.0 [4C,C,3,3], moe.1 [1,4C,1,1], moe.3 [C,4C,3,3]
/// old  = patch_embed(zip_rgbx(x·w))                          zip_rgbx [3,C,1,1]; SAM's own patch embedding
/// nov  = Σ_i fc_i · group_patch_embedding.i((x·(1−w))[:, i])  group_patch_embedding.i [D,1,p,p]; fc [1,C], zero init
/// out  = old + nov                                            [B, H/p, W/p, D]
/// ```
/// `group_patch_embedding.i` starts as the pretrained patch-embedding weight summed over its RGB input
/// channel (and its bias). Parameter count: moe `72C² + 13C`, zip_rgbx `3C + 3`, copies `C·(D·p² + D)`, fc `C`,
/// i.e. `72C² + C·(D·p² + D + 17) + 3`; for vit_b (D = 768, p = 16) `72C² + 197393C + 3` (docs/REFERENCE.md §3.1).
/// Everything here always trains; SAM's own patch embedding trains only under full fine-tuning and linear probing.
public final class SimCMFProjector: AlignmentModule {
    public let kind = AlignmentKind.simcmf
    public let inChannels: Int
    public let moe0: Conv2dLayer
    public let moe1: ProjectorLayerNorm2d
    public let moe3: Conv2dLayer
    public let zipRGBX: Conv2dLayer
    public let groupPatchEmbedding: [Conv2dLayer]
    /// `fc.weight [1, C]`.
    public let fc: Parameter
    public let patchSize: Int

    public init(channels c: Int, patchEmbed: Conv2dLayer, pretrained: Bool, uniformInit: Bool, generator: inout SeededGenerator) {
        let p = projectorPrefix
        let ws = patchEmbed.weight.value.shape
        inChannels = c
        patchSize = ws[2]
        moe0 = Conv2dLayer(dotted(p, "moe.0"), inChannels: c, outChannels: 4 * c, kernel: 3, padding: 1, generator: &generator)
        moe1 = ProjectorLayerNorm2d(dotted(p, "moe.1"), channels: 4 * c)
        moe3 = Conv2dLayer(dotted(p, "moe.3"), inChannels: 4 * c, outChannels: c, kernel: 3, padding: 1, generator: &generator)
        zipRGBX = SimCMF.zipRGBX(dotted(p, "zip_rgbx"), channels: c, uniformInit: uniformInit, generator: &generator)
        let summed = patchEmbed.weight.value.sum(axes: [1], keepDims: true)
        groupPatchEmbedding = (0..<c).map { i in
            let conv = Conv2dLayer(dotted(p, "group_patch_embedding.\(i)"), inChannels: 1, outChannels: ws[0], kernel: ws[2],
                                   stride: ws[2], generator: &generator)
            if pretrained {
                conv.weight.value = summed
                conv.bias!.value = patchEmbed.bias!.value
            }
            return conv
        }
        fc = Parameter(dotted(p, "fc.weight"), .zeros([1, c]))
    }

    // The reference's registration order: moe, zip_rgbx, group_patch_embedding, fc.
    public var parameters: [Parameter] {
        moe0.parameters + moe1.parameters + moe3.parameters + zipRGBX.parameters + groupPatchEmbedding.flatMap(\.parameters) + [fc]
    }

    /// The per-sample, per-channel gate `sigmoid(moe(x))`, `[B, C, 1, 1]`.
    public func gate(_ image: Variable) -> Variable {
        sigmoid(adaptiveAveragePool2d(moe3(relu(moe1(moe0(image)))), size: (1, 1)))
    }

    public func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable {
        try validate(image, patchSize: patchSize)
        let w = gate(image)
        let up = image * w, down = image * (1 - w)
        let old = patchEmbed(zipRGBX(up)).permuted([0, 2, 3, 1])                       // [B, h, w, D]
        // Σ_i fc_i · embed_i(down_i): stack to [B, h, w, D, C] and contract with fc [1, C].
        let novel = Variable.stack(groupPatchEmbedding.enumerated().map { i, conv in
            conv(down.slice(axis: 1, i..<(i + 1)))                                        // [B, D, h, w]
        }, axis: 4).permuted([0, 2, 3, 1, 4])                                              // [B, h, w, D, C]
        let mixed = linear(novel, fc.variable)                                             // [B, h, w, D, 1]
        let s = mixed.shape
        return old + mixed.reshaped(Array(s.dropLast()))
    }
}
