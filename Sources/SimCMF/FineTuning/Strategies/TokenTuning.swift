import TensorCore

/// `sam_prompt` (visual prompt tuning): `deep_prompt_embeddings [1, L, dim]` (L = 400) in every encoder
/// attention (projected by its `qkv`, appended to k and v only; relative position on the image keys only)
/// and in every decoder attention (concatenated to the k and v inputs before projection); dropout 0.1
/// while training (`ExtraKeyValueTokens.isTraining`, see `CrossModalSAM.setTraining`). ViT only.
public struct VisualPromptTuning: FineTuningStrategy {
    public var length: Int
    public var dropout: Float
    public var encoder: Bool
    public var decoder: Bool

    public init(length: Int = 400, dropout: Float = 0.1, encoder: Bool = true, decoder: Bool = true) {
        self.length = length; self.dropout = dropout; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_prompt" }
    public var identifier: String { "prompt" }
    /// Names containing `prompt`; the prompt encoder's (which match too) are re-frozen by the model.
    public func trains(_ name: String) -> Bool { name.contains("prompt") }
    public func refusal(for family: EncoderFamily) -> String? { family == .vit ? nil : tinyViTTokenRefusal }

    public func install(into model: any PromptableSAM, generator g: inout SeededGenerator) throws {
        guard length >= 1 else { throw FineTuningError.invalidHyperParameter(field: "prompt length", value: "\(length)") }
        guard dropout >= 0, dropout < 1 else { throw FineTuningError.invalidHyperParameter(field: "prompt dropout", value: "\(dropout)") }
        try check(model.encoderFamily)
        try installTokens(model, kind: .prompt(dropout: dropout), length: length, encoder: encoder, decoder: decoder, generator: &g)
    }
}

/// `sam_prefix` (prefix tuning): `prefix_{key,value}_embeddings [1, L, dim]` (L = 200); in the encoder
/// appended raw to the projected k/v (relative position on the image keys only), in the decoder
/// concatenated to the k/v inputs before projection. No dropout. ViT only.
public struct PrefixTuning: FineTuningStrategy {
    public var length: Int
    public var encoder: Bool
    public var decoder: Bool

    public init(length: Int = 200, encoder: Bool = true, decoder: Bool = true) {
        self.length = length; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_prefix" }
    public var identifier: String { "prefix" }
    public func trains(_ name: String) -> Bool { name.contains("prefix") }
    public func refusal(for family: EncoderFamily) -> String? { family == .vit ? nil : tinyViTTokenRefusal }

    public func install(into model: any PromptableSAM, generator g: inout SeededGenerator) throws {
        guard length >= 1 else { throw FineTuningError.invalidHyperParameter(field: "prefix length", value: "\(length)") }
        try check(model.encoderFamily)
        try installTokens(model, kind: .prefix, length: length, encoder: encoder, decoder: decoder, generator: &g)
    }
}

/// Prompt or prefix tokens in every ViT block's attention, then every decoder attention (the reference's order).
private func installTokens(_ model: any PromptableSAM, kind: ExtraKeyValueTokens.Kind, length: Int, encoder: Bool, decoder: Bool,
                           generator g: inout SeededGenerator) throws {
    try checkFree(model)
    if encoder, let vit = model.encoder as? ImageEncoderViT {
        let d = vit.configuration.encoderEmbedDim
        for (i, block) in vit.blocks.enumerated() {
            block.attn.keyValueTokens = ExtraKeyValueTokens("image_encoder.blocks.\(i).attn", kind: kind, length: length, dim: d, generator: &g)
        }
    }
    if decoder {
        for (p, attn) in decoderAttentions(model) {
            attn.keyValueTokens = ExtraKeyValueTokens(p, kind: kind, length: length, dim: attn.qProj.weight.value.shape[1], generator: &g)
        }
    }
}
