import Autodiff

/// Where strategies install their modules, per encoder family, with the reference's name prefixes.

/// The decoder's 7 attention modules with their name prefixes, in the reference's registration order
/// (the same for every family: LiteMedSAM keeps SAM's mask decoder).
func decoderAttentions(_ decoder: MaskDecoder) -> [(String, DecoderAttention)] {
    let t = decoder.transformer
    var out: [(String, DecoderAttention)] = []
    for (l, layer) in t.layers.enumerated() {
        let p = "mask_decoder.transformer.layers.\(l)"
        out += [(p + ".self_attn", layer.selfAttn), (p + ".cross_attn_token_to_image", layer.crossAttnTokenToImage),
                (p + ".cross_attn_image_to_token", layer.crossAttnImageToToken)]
    }
    return out + [("mask_decoder.transformer.final_attn_token_to_image", t.finalAttnTokenToImage)]
}

/// As `decoderAttentions(_: MaskDecoder)` for a model.
func decoderAttentions(_ model: any PromptableSAM) -> [(String, DecoderAttention)] { decoderAttentions(model.maskDecoder) }

/// TinyViT's attention blocks in state-dict order with their attention prefixes
/// (`image_encoder.layers.{s}.blocks.{b}.attn`).
func tinyViTAttentions(_ encoder: TinyViT) -> [(String, TinyViTAttention)] {
    encoder.attentionStages.flatMap(\.blocks).map { (String($0.attn.qkv.weight.name.dropLast(".qkv.weight".count)), $0.attn) }
}

/// Every seam where a strategy can install a module, with what is installed there (nothing for plain SAM):
/// the encoder's blocks first, then the decoder's layers and attentions, each named by its prefix.
func installationSites(_ model: any PromptableSAM) -> [(field: String, added: [Parameter])] {
    var sites: [(field: String, added: [Parameter])] = []
    switch model.encoder {
    case let vit as ImageEncoderViT:
        for (i, b) in vit.blocks.enumerated() {
            sites.append(("image_encoder.blocks.\(i)", b.mlpPath.addedParameters + b.attn.qkvProjection.addedParameters
                            + b.attn.keyValueTokens.addedParameters))
        }
    case let tiny as TinyViT:
        for (p, a) in tinyViTAttentions(tiny) { sites.append((p, a.qkvProjection.addedParameters)) }
    default: break
    }
    for (l, layer) in model.maskDecoder.transformer.layers.enumerated() {
        sites.append(("mask_decoder.transformer.layers.\(l)", layer.mlpPath.addedParameters))
    }
    for (p, a) in decoderAttentions(model) { sites.append((p, a.addedProjectionParameters + a.keyValueTokens.addedParameters)) }
    return sites
}

/// The tensors of every installed fine-tuning module (`SegmentationModel.addedParameters`).
func fineTuningModuleParameters(_ model: any PromptableSAM) -> [Parameter] { installationSites(model).flatMap(\.added) }

/// Throws if any fine-tuning module is already installed in `model` (encoder first, then the decoder).
func checkFree(_ model: any PromptableSAM) throws {
    if let taken = installationSites(model).first(where: { !$0.added.isEmpty }) { throw FineTuningError.alreadyInstalled(field: taken.field) }
}

/// The refusal shared by the strategies that have no defined place in TinyViT yet.
let tinyViTTokenRefusal = "TinyViT's windowed attention adds a learned bias per relative offset (attention_biases) to every score; "
    + "extra key/value tokens have no offset to the image tokens, so their bias is undefined"

extension DecoderAttention {
    /// Tensors wrappers added around `q_proj`, `k_proj`, `v_proj` (none for plain SAM).
    var addedProjectionParameters: [Parameter] { qProjection.addedParameters + kProjection.addedParameters + vProjection.addedParameters }
}
