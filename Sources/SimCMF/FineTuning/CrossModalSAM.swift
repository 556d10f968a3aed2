import Autodiff
import Foundation
import TensorCore

/// SimCMF's model: an alignment module (`image_encoder.projector`) in front of SAM's ViT, with a
/// fine-tuning strategy installed and the reference's trainable set applied:
/// the strategy's parameters, plus **always** the projector, and **never** the prompt encoder.
///
/// `image [B, C, H, W]` → projector tokens `[B, H/p, W/p, D]` + `pos_embed` → blocks and neck →
/// `[B, 256, H/p, W/p]` → mask decoder with one (or more) clicks, `multimask_output = false` →
/// low-res logits `[B, 1, 4H/p, 4W/p]` (docs/REFERENCE.md §1.6, `Sam.forward`).
public final class CrossModalSAM: Module {
    public let sam: SAMModel
    public let projector: any AlignmentModule
    public let strategy: any FineTuningStrategy

    /// - Parameters:
    ///   - sam: a SAM with its weights already loaded (or random, for training from scratch); the
    ///     strategy's modules are added to it in place.
    ///   - alignment: the `-proj_type`; `channels` the modality's channel count C.
    ///   - pretrained: whether `sam` holds pretrained weights, so the projector's embedding copies start
    ///     from them (false: PyTorch default init, the reference without a checkpoint).
    ///   - seed: seeds the new modules (projector first, then the strategy's).
    public init(sam: SAMModel, alignment: AlignmentKind, channels: Int, strategy: any FineTuningStrategy, pretrained: Bool = true,
                uniformInit: Bool = false, baselineBPaddingBug: Bool = false, seed: UInt64 = 0) throws {
        var g = SeededGenerator(seed: seed)
        projector = try makeAlignmentModule(alignment, channels: channels, patchEmbed: sam.imageEncoder.patchEmbed, pretrained: pretrained,
                                            uniformInit: uniformInit, baselineBPaddingBug: baselineBPaddingBug, generator: &g)
        try strategy.install(into: sam, generator: &g)
        self.sam = sam
        self.strategy = strategy
        applyTrainability()
    }

    /// Every parameter in the reference's state-dict order: image encoder (its own, then `projector`),
    /// prompt encoder, mask decoder.
    public var parameters: [Parameter] {
        sam.imageEncoder.parameters + projector.parameters + sam.promptEncoder.parameters + sam.maskDecoder.parameters
    }

    /// Number of trainable values (docs/REFERENCE.md §10: 6,057,572 for LoRA with simcmf, C = 9, vit_b).
    public var trainableParameterCount: Int { trainableParameters.reduce(0) { $0 + $1.value.count } }
    /// Number of values in the alignment module (`72C² + 197393C + 3` for simcmf on vit_b).
    public var projectorParameterCount: Int { projector.parameters.reduce(0) { $0 + $1.value.count } }

    /// The reference's `set_trainable_params`: strategy filter; projector always trainable; prompt encoder frozen.
    public func applyTrainability() {
        for p in sam.imageEncoder.parameters + sam.maskDecoder.parameters { p.trainable = strategy.trains(p.name) }
        for p in projector.parameters { p.trainable = true }
        for p in sam.promptEncoder.parameters { p.trainable = false }
    }

    /// Train / eval mode: turns the visual prompts' dropout on or off (the only train-time difference).
    public func setTraining(_ training: Bool) {
        for b in sam.imageEncoder.blocks { b.attn.keyValueTokens.setTraining(training) }
        for (_, a) in decoderAttentions(sam) { a.keyValueTokens.setTraining(training) }
    }

    /// `image [B, C, H, W]` → image embeddings `[B, 256, H/p, W/p]`.
    public func encodeImage(_ image: Variable) throws -> Variable {
        let encoder = sam.imageEncoder
        let tokens = try projector.tokens(image, patchEmbed: encoder.patchEmbed)
        let pos = PositionTables.absolutePositionEmbedding(encoder.posEmbed.variable, grid: (tokens.shape[1], tokens.shape[2]))
        return try encoder.forward(tokens: tokens + pos)
    }

    /// `image [B, C, H, W]` and click prompts → low-res mask logits `[B, 1, 4h, 4w]` (single-mask output).
    public func callAsFunction(_ image: Variable, prompts: SAMPrompts) throws -> Variable {
        try sam.decode(embeddings: encodeImage(image), prompts: prompts)
    }
}
