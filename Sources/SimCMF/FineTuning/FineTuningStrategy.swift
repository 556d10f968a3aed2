import Foundation
import Tensor

/// A fine-tuning strategy (the reference's `-net`): it may add modules to a SAM (LoRA pairs, adapters,
/// prompt or prefix tokens) and decides which SAM parameters train. Independently of the strategy,
/// `CrossModalSAM` always trains the alignment module (`image_encoder.projector.…`) and always freezes the
/// prompt encoder (docs/REFERENCE.md §4, `set_trainable_params`).
public protocol FineTuningStrategy: Sendable {
    /// The reference's `-net` name (`sam_lora`, …).
    var name: String { get }
    /// Adds this strategy's modules to `sam`; new parameters are named as in the reference. Throws if
    /// the SAM already carries fine-tuning modules.
    func install(into sam: SAMModel, generator: inout SeededGenerator) throws
    /// Whether the SAM parameter `name` (an official or fine-tuning key) trains.
    func trains(_ name: String) -> Bool
}

/// Errors installing a strategy.
public enum FineTuningError: Error, LocalizedError, Equatable {
    /// The module at `field` already carries fine-tuning modules (a strategy was installed twice).
    case alreadyInstalled(field: String)
    /// A hyper-parameter out of range.
    case invalidHyperParameter(field: String, value: String)

    public var errorDescription: String? {
        switch self {
        case let .alreadyInstalled(field): return "\(field): fine-tuning modules are already installed"
        case let .invalidHyperParameter(field, value): return "fine-tuning \(field): invalid value \(value)"
        }
    }
}

/// `sam_full_finetune`: every image-encoder and mask-decoder parameter trains. On a randomly initialised
/// SAM with random projector embeddings (`CrossModalSAM(…, pretrained: false)`), this is the reference's
/// "training from scratch" (`-sam_ckpt ""`).
public struct FullFineTuning: FineTuningStrategy {
    public init() {}
    public var name: String { "sam_full_finetune" }
    public func install(into sam: SAMModel, generator: inout SeededGenerator) throws {}
    public func trains(_ name: String) -> Bool { name.hasPrefix("image_encoder.") || name.hasPrefix("mask_decoder.") }
}

/// `sam_linear_probing`: only the patch embedding and `pos_embed` train (names containing `patch_embed`
/// or `pos_embed`); the mask decoder is frozen.
public struct LinearProbing: FineTuningStrategy {
    public init() {}
    public var name: String { "sam_linear_probing" }
    public func install(into sam: SAMModel, generator: inout SeededGenerator) throws {}
    public func trains(_ name: String) -> Bool { name.contains("patch_embed") || name.contains("pos_embed") }
}

/// The attention projections LoRA can adapt.
public enum LoRATarget: String, Sendable, Codable, CaseIterable { case query = "q", key = "k", value = "v" }

/// `sam_lora`: LoRA pairs on the attention projections of every encoder block and of every mask-decoder
/// attention (7: self, token→image and image→token in both layers, and the final token→image).
/// Defaults are the reference's: rank 100, scale 1 (no alpha), targets q and v, A kaiming-uniform(a = √5),
/// B zeros. Encoder shapes A `[r, D]`, B `[D, r]`; decoder A `[r, 256]`, B `[internal, r]`.
public struct LoRATuning: FineTuningStrategy {
    public var rank: Int
    /// Multiplies `B(A(x))` (alpha / rank in other LoRA codes; the reference has none, i.e. 1).
    public var scale: Float
    public var targets: Set<LoRATarget>
    public var encoder: Bool
    public var decoder: Bool

    public init(rank: Int = 100, scale: Float = 1, targets: Set<LoRATarget> = [.query, .value], encoder: Bool = true, decoder: Bool = true) {
        self.rank = rank; self.scale = scale; self.targets = targets; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_lora" }
    public func trains(_ name: String) -> Bool { name.contains("lora") }

    public func install(into sam: SAMModel, generator g: inout SeededGenerator) throws {
        guard rank >= 1 else { throw FineTuningError.invalidHyperParameter(field: "lora rank", value: "\(rank)") }
        guard !targets.isEmpty else { throw FineTuningError.invalidHyperParameter(field: "lora targets", value: "[]") }
        func pairs(_ prefix: String, inDim: Int, outDim: Int) -> LoRAProjections {
            // Reference init order: q (a, b) then v; k (an extension) in between.
            func make(_ t: LoRATarget, _ g: inout SeededGenerator) -> LoRAPair? {
                targets.contains(t) ? LoRAPair(prefix, name: "lora_\(t.rawValue)", inFeatures: inDim, outFeatures: outDim, rank: rank,
                                                scale: scale, generator: &g) : nil
            }
            let q = make(.query, &g), k = make(.key, &g), v = make(.value, &g)
            return LoRAProjections(q: q, k: k, v: v)
        }
        try checkFree(sam)
        if encoder {
            let d = sam.configuration.encoderEmbedDim
            for (i, block) in sam.imageEncoder.blocks.enumerated() {
                block.attn.lora = pairs("image_encoder.blocks.\(i).attn", inDim: d, outDim: d)
            }
        }
        if decoder {
            for (prefix, attn) in decoderAttentions(sam) {
                attn.lora = pairs(prefix, inDim: attn.qProj.weight.value.shape[1], outDim: attn.internalDim)
            }
        }
    }
}

/// `sam_mlp_adapter`: `Adapter(d, 200, 0.1)` parallel to the MLP of every encoder block (fed the pre-norm2
/// stream) and of both two-way decoder layers (fed the pre-norm2 queries); see `ViTBlock.adapter` and
/// `TwoWayAttentionBlock.adapter`. Names `….Adapter_mlp.{down,up}_proj.{weight,bias}`.
public struct MLPAdapterTuning: FineTuningStrategy {
    public var hiddenDim: Int
    public var scale: Float
    public var encoder: Bool
    public var decoder: Bool

    public init(hiddenDim: Int = 200, scale: Float = 0.1, encoder: Bool = true, decoder: Bool = true) {
        self.hiddenDim = hiddenDim; self.scale = scale; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_mlp_adapter" }
    public func trains(_ name: String) -> Bool { name.contains("Adapter") }

    public func install(into sam: SAMModel, generator g: inout SeededGenerator) throws {
        guard hiddenDim >= 1 else { throw FineTuningError.invalidHyperParameter(field: "adapter hidden dim", value: "\(hiddenDim)") }
        try checkFree(sam)
        if encoder {
            let d = sam.configuration.encoderEmbedDim
            for (i, block) in sam.imageEncoder.blocks.enumerated() {
                block.adapter = MLPAdapter("image_encoder.blocks.\(i)", dim: d, hiddenDim: hiddenDim, scale: scale, generator: &g)
            }
        }
        if decoder {
            let d = sam.configuration.promptEmbedDim
            for (l, layer) in sam.maskDecoder.transformer.layers.enumerated() {
                layer.adapter = MLPAdapter("mask_decoder.transformer.layers.\(l)", dim: d, hiddenDim: hiddenDim, scale: scale, generator: &g)
            }
        }
    }
}

/// `sam_prompt` (visual prompt tuning): `deep_prompt_embeddings [1, L, dim]` (L = 400) in every encoder
/// attention (projected by its `qkv`, appended to k and v only; relative position on the image keys only)
/// and in every decoder attention (concatenated to the k and v inputs before projection); dropout 0.1
/// while training (`ExtraKeyValueTokens.isTraining`, see `CrossModalSAM.setTraining`).
public struct VisualPromptTuning: FineTuningStrategy {
    public var length: Int
    public var dropout: Float
    public var encoder: Bool
    public var decoder: Bool

    public init(length: Int = 400, dropout: Float = 0.1, encoder: Bool = true, decoder: Bool = true) {
        self.length = length; self.dropout = dropout; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_prompt" }
    /// Names containing `prompt`; the prompt encoder's (which match too) are re-frozen by `CrossModalSAM`.
    public func trains(_ name: String) -> Bool { name.contains("prompt") }

    public func install(into sam: SAMModel, generator g: inout SeededGenerator) throws {
        guard length >= 1 else { throw FineTuningError.invalidHyperParameter(field: "prompt length", value: "\(length)") }
        guard dropout >= 0, dropout < 1 else { throw FineTuningError.invalidHyperParameter(field: "prompt dropout", value: "\(dropout)") }
        try installTokens(sam, kind: .prompt(dropout: dropout), length: length, encoder: encoder, decoder: decoder, generator: &g)
    }
}

/// `sam_prefix` (prefix tuning): `prefix_{key,value}_embeddings [1, L, dim]` (L = 200); in the encoder
/// appended raw to the projected k/v (relative position on the image keys only), in the decoder
/// concatenated to the k/v inputs before projection. No dropout.
public struct PrefixTuning: FineTuningStrategy {
    public var length: Int
    public var encoder: Bool
    public var decoder: Bool

    public init(length: Int = 200, encoder: Bool = true, decoder: Bool = true) {
        self.length = length; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_prefix" }
    public func trains(_ name: String) -> Bool { name.contains("prefix") }

    public func install(into sam: SAMModel, generator g: inout SeededGenerator) throws {
        guard length >= 1 else { throw FineTuningError.invalidHyperParameter(field: "prefix length", value: "\(length)") }
        try installTokens(sam, kind: .prefix, length: length, encoder: encoder, decoder: decoder, generator: &g)
    }
}

/// The decoder's 7 attention modules with their name prefixes, in the reference's registration order.
func decoderAttentions(_ sam: SAMModel) -> [(String, DecoderAttention)] { decoderAttentions(sam.maskDecoder) }

/// As `decoderAttentions(_: SAMModel)` for any SAM-style mask decoder (also LiteMedSAM's).
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

/// Throws if any fine-tuning module is already installed.
func checkFree(_ sam: SAMModel) throws {
    for (i, b) in sam.imageEncoder.blocks.enumerated() where b.adapter != nil || b.attn.lora != nil || b.attn.extraTokens != nil {
        throw FineTuningError.alreadyInstalled(field: "image_encoder.blocks.\(i)")
    }
    for (l, layer) in sam.maskDecoder.transformer.layers.enumerated() where layer.adapter != nil {
        throw FineTuningError.alreadyInstalled(field: "mask_decoder.transformer.layers.\(l)")
    }
    for (p, a) in decoderAttentions(sam) where a.lora != nil || a.extraTokens != nil {
        throw FineTuningError.alreadyInstalled(field: p)
    }
}

private func installTokens(_ sam: SAMModel, kind: ExtraKeyValueTokens.Kind, length: Int, encoder: Bool, decoder: Bool,
                           generator g: inout SeededGenerator) throws {
    try checkFree(sam)
    if encoder {
        let d = sam.configuration.encoderEmbedDim
        for (i, block) in sam.imageEncoder.blocks.enumerated() {
            block.attn.extraTokens = ExtraKeyValueTokens("image_encoder.blocks.\(i).attn", kind: kind, length: length, dim: d, generator: &g)
        }
    }
    if decoder {
        for (p, attn) in decoderAttentions(sam) {
            attn.extraTokens = ExtraKeyValueTokens(p, kind: kind, length: length, dim: attn.qProj.weight.value.shape[1], generator: &g)
        }
    }
}
