import Autodiff
import TensorCore
import TensorKernels

/// IA³ on attention (aims's own strategy; the reference has none): learned vectors rescaling the keys and values of
/// every image-encoder attention (SAM ViT blocks and TinyViT attention blocks) and of the mask decoder's 7
/// attentions, initialised to ones (`PEFT/IA3.swift`). Trainable: the vectors (plus, as always, the alignment
/// module): 20,736 values on ViT-B (12 · 2 · 768 + 2 · 1,152), 6,016 on LiteMedSAM (2 · 1,856 + 2 · 1,152). The
/// paper's third vector, on the feed-forward activations, is left out: the attention vectors carry the method on
/// SAM-style decoders, and a feed-forward scale would need a wrapper around each MLP's inner activation.
public struct IA3Tuning: FineTuningStrategy {
    public var encoder: Bool
    public var decoder: Bool

    public init(encoder: Bool = true, decoder: Bool = true) { self.encoder = encoder; self.decoder = decoder }

    public var name: String { "ia3" }
    public var identifier: String { "ia3" }
    public func trains(_ name: String) -> Bool { name.contains(".ia3_") }

    public func install(into model: any PromptableSAM, generator g: inout SeededGenerator) throws {
        try checkFree(model)
        if encoder {
            switch model.encoder {
            case let vit as ImageEncoderViT:
                for (i, block) in vit.blocks.enumerated() {
                    block.attn.qkvProjection = IA3FusedQKV(base: block.attn.qkv, prefix: "image_encoder.blocks.\(i).attn", layout: .tokenMajor)
                }
            case let tiny as TinyViT:
                for (prefix, attn) in tinyViTAttentions(tiny) {
                    attn.qkvProjection = IA3FusedQKV(base: attn.qkv, prefix: prefix, layout: .headMajor(heads: attn.heads))
                }
            default: break
            }
        }
        if decoder {
            for (prefix, attn) in decoderAttentions(model) {
                attn.kProjection = IA3Linear(base: attn.kProj, name: dotted(prefix, "ia3_k"))
                attn.vProjection = IA3Linear(base: attn.vProj, name: dotted(prefix, "ia3_v"))
            }
        }
    }
}
