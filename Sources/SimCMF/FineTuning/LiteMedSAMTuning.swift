import Foundation
import Tensor

/// What trains in LiteMedSAM (and in a pixel-space alignment in front of it). The prompt encoder
/// never trains (SimCMF's `set_trainable_params`, docs/REFERENCE.md §4).
public enum LiteMedSAMStrategy: String, Sendable, Codable, CaseIterable {
    /// TinyViT and the mask decoder (`sam_full_finetune`); TinyViT's BatchNorms use batch statistics in training.
    case full
    /// Only the mask decoder; the encoder (weights and BatchNorm statistics) is frozen.
    case decoder
    /// `sam_lora` mirrored on LiteMedSAM (see `LiteMedSAMLoRA`): only the LoRA pairs; base weights and
    /// BatchNorm statistics frozen.
    case lora
    /// Nothing trains (zero-shot evaluation).
    case frozen
}

/// The reference's `sam_lora` (docs/REFERENCE.md §4) on LiteMedSAM: LoRA pairs (`delta = B(A(x))`, scale 1,
/// A kaiming-uniform(a = √5) = `U(±1/√in)`, B zeros, so the model starts exactly as plain LiteMedSAM) on the
/// q and v parts of the `qkv` of every TinyViT attention block (10 blocks: 2 × dim 128, 6 × 160,
/// 2 × 320), and on q and v of the mask decoder's 7 attentions, exactly as `LoRATuning` on a SAM ViT.
/// Trainable: names containing `lora` (the reference's filter), so the base encoder and decoder weights
/// are frozen; a pixel channel mixer in front still trains (`ChannelMixedLiteMedSAM`).
///
/// Ranks: the decoder is SAM's, so it keeps the reference's rank 100; the reference's encoder rank 100 at
/// width 768 (ratio 0.13) gives 16–42 at TinyViT's widths 128–320, so `encoderRank` defaults to 16.
/// Added parameters: `4 · encoderRank · Σ dim` (= 4 · 16 · 1856 = 118,784) plus 588,800 in the decoder.
public struct LiteMedSAMLoRA: Sendable, Equatable {
    public var encoderRank: Int
    public var decoderRank: Int
    public var targets: Set<LoRATarget>

    public init(encoderRank: Int = 16, decoderRank: Int = 100, targets: Set<LoRATarget> = [.query, .value]) {
        self.encoderRank = encoderRank; self.decoderRank = decoderRank; self.targets = targets
    }

    /// Whether the parameter `name` belongs to a LoRA pair.
    public static func isLoRA(_ name: String) -> Bool { name.contains("lora") }

    /// Adds the pairs (named `image_encoder.layers.{s}.blocks.{b}.attn.lora_{q,v}_{a,b}.weight` and
    /// `mask_decoder.transformer.….lora_{q,v}_{a,b}.weight`), drawing A from `generator` in block order,
    /// encoder first. Throws if a rank is below 1, no target is given or pairs are already installed.
    public func install(into model: LiteMedSAM, generator g: inout SeededGenerator) throws {
        try validate()
        for (p, a) in decoderAttentions(model.maskDecoder) where a.lora != nil { throw FineTuningError.alreadyInstalled(field: p) }
        try installEncoder(into: model.imageEncoder, generator: &g)
        for (prefix, attn) in decoderAttentions(model.maskDecoder) {
            attn.lora = pairs(prefix, inDim: attn.qProj.weight.value.shape[1], outDim: attn.internalDim, rank: decoderRank, generator: &g)
        }
    }

    /// The encoder half of `install`: pairs of rank `encoderRank` on every attention block of `encoder`.
    public func installEncoder(into encoder: TinyViT, generator g: inout SeededGenerator) throws {
        try validate()
        let blocks = encoder.attentionStages.flatMap(\.blocks)
        for b in blocks where b.attn.lora != nil { throw FineTuningError.alreadyInstalled(field: b.attn.qkv.weight.name) }
        for b in blocks {
            let prefix = String(b.attn.qkv.weight.name.dropLast(".qkv.weight".count))
            let dim = b.attn.qkv.weight.value.shape[1]
            b.attn.lora = pairs(prefix, inDim: dim, outDim: dim, rank: encoderRank, generator: &g)
        }
    }

    func validate() throws {
        guard encoderRank >= 1 else { throw FineTuningError.invalidHyperParameter(field: "lora encoder rank", value: "\(encoderRank)") }
        guard decoderRank >= 1 else { throw FineTuningError.invalidHyperParameter(field: "lora decoder rank", value: "\(decoderRank)") }
        guard !targets.isEmpty else { throw FineTuningError.invalidHyperParameter(field: "lora targets", value: "[]") }
    }

    /// Pairs for one attention, in the reference's order (q, then k, an extension, then v).
    func pairs(_ prefix: String, inDim: Int, outDim: Int, rank: Int, generator g: inout SeededGenerator) -> LoRAProjections {
        func make(_ t: LoRATarget) -> LoRAPair? {
            targets.contains(t) ? LoRAPair(prefix, name: "lora_\(t.rawValue)", inFeatures: inDim, outFeatures: outDim, rank: rank, generator: &g) : nil
        }
        let q = make(.query), k = make(.key), v = make(.value)
        return LoRAProjections(q: q, k: k, v: v)
    }
}

extension LiteMedSAM {
    /// Sets every parameter's `trainable` flag for `strategy` (the prompt encoder never trains).
    public func applyTrainability(_ strategy: LiteMedSAMStrategy) {
        for p in imageEncoder.parameters + maskDecoder.parameters {
            switch strategy {
            case .full: p.trainable = true
            case .decoder: p.trainable = p.name.hasPrefix("mask_decoder.")
            case .lora: p.trainable = LiteMedSAMLoRA.isLoRA(p.name)
            case .frozen: p.trainable = false
            }
        }
        for p in promptEncoder.parameters { p.trainable = false }
    }

    /// Whether TinyViT's own weights train (then its BatchNorms use batch statistics in training;
    /// otherwise the encoder is frozen including its running statistics). LoRA pairs do not count.
    public var encoderWeightsTrain: Bool {
        imageEncoder.parameters.contains { $0.trainable && !LiteMedSAMLoRA.isLoRA($0.name) }
    }

    /// True when nothing in the image encoder trains (no weight, no LoRA pair, no BatchNorm statistic),
    /// so the embedding of an image never changes during training.
    public var encoderIsFrozen: Bool { !imageEncoder.parameters.contains { $0.trainable } }
}

extension LiteMedSAM {
    /// Installs what `strategy` needs (LoRA pairs for `.lora`, drawn from `generator`) and sets the
    /// trainable flags (`applyTrainability`).
    public func prepare(_ strategy: LiteMedSAMStrategy, lora: LiteMedSAMLoRA = LiteMedSAMLoRA(), generator: inout SeededGenerator) throws {
        if strategy == .lora { try lora.install(into: self, generator: &generator) }
        applyTrainability(strategy)
    }
}
