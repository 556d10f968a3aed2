import TensorCore

/// `sam_full_finetune`: every image-encoder and mask-decoder parameter trains (TinyViT: its BatchNorms use
/// batch statistics in training). On a randomly initialised model (`ModelBuilder.scratch`) this is the
/// reference's "training from scratch" (`-sam_ckpt ""`).
public struct FullFineTuning: FineTuningStrategy {
    public init() {}
    public var name: String { "sam_full_finetune" }
    public var identifier: String { "full" }
    public func install(into model: any PromptableSAM, generator: inout SeededGenerator) throws {}
    public func trains(_ name: String) -> Bool { name.hasPrefix("image_encoder.") || name.hasPrefix("mask_decoder.") }
}

/// `sam_linear_probing`: only the patch embedding and `pos_embed` train (names containing `patch_embed`
/// or `pos_embed`); the mask decoder is frozen.
public struct LinearProbing: FineTuningStrategy {
    public init() {}
    public var name: String { "sam_linear_probing" }
    public var identifier: String { "linear" }
    public func refusal(for family: EncoderFamily) -> String? {
        family == .vit ? nil
            : "TinyViT has no pos_embed, and its patch_embed is a convolutional stem with BatchNorm, not the linear patch projection the reference probes"
    }
    public func install(into model: any PromptableSAM, generator: inout SeededGenerator) throws { try check(model.encoderFamily) }
    public func trains(_ name: String) -> Bool { name.contains("patch_embed") || name.contains("pos_embed") }
}

/// aims's decoder-only strategy (not in the reference): the mask decoder trains, the image encoder (weights
/// and BatchNorm statistics) is frozen, so the trainer may cache embeddings.
public struct DecoderTuning: FineTuningStrategy {
    public init() {}
    public var name: String { "decoder" }
    public var identifier: String { "decoder" }
    public func install(into model: any PromptableSAM, generator: inout SeededGenerator) throws {}
    public func trains(_ name: String) -> Bool { name.hasPrefix("mask_decoder.") }
}

/// Nothing trains besides an alignment module in front (zero-shot evaluation, or an alignment trained alone).
public struct FrozenModel: FineTuningStrategy {
    public init() {}
    public var name: String { "frozen" }
    public var identifier: String { "frozen" }
    public func install(into model: any PromptableSAM, generator: inout SeededGenerator) throws {}
    public func trains(_ name: String) -> Bool { false }
}
