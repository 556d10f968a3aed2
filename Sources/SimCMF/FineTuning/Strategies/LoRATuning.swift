import TensorCore

/// The attention projections LoRA can adapt.
public enum LoRATarget: String, Sendable, Codable, CaseIterable { case query = "q", key = "k", value = "v" }

/// `sam_lora`: LoRA pairs on the attention projections of every encoder attention and of every mask-decoder
/// attention (7: self, token→image and image→token in both layers, and the final token→image).
/// Defaults are the reference's: rank 100, scale 1 (no alpha), targets q and v, A kaiming-uniform(a = √5),
/// B zeros. ViT shapes A `[r, D]`, B `[D, r]`; decoder A `[r, 256]`, B `[internal, r]`.
///
/// TinyViT (aims's extension, docs/REFERENCE.md §4): pairs on the q and v parts of every attention block's
/// `qkv` (per head), encoder rank 16 by default — the reference's rank 100 at width 768 (ratio 0.13) gives
/// 16–42 at TinyViT's widths 128–320 — and the decoder keeps rank 100: `4 · 16 · 1856 = 118,784` encoder
/// values plus 588,800 in the decoder for LiteMedSAM.
public struct LoRATuning: FineTuningStrategy {
    /// The decoder's rank, and the encoder's unless `encoderRank` is set.
    public var rank: Int
    /// The encoder's rank; nil: `rank` on a ViT, `tinyViTDefaultEncoderRank` on TinyViT.
    public var encoderRank: Int?
    /// Multiplies `B(A(x))` (alpha / rank in other LoRA codes; the reference has none, i.e. 1).
    public var scale: Float
    public var targets: Set<LoRATarget>
    public var encoder: Bool
    public var decoder: Bool

    /// TinyViT's default encoder rank (see the type's documentation).
    public static let tinyViTDefaultEncoderRank = 16

    public init(rank: Int = 100, encoderRank: Int? = nil, scale: Float = 1, targets: Set<LoRATarget> = [.query, .value],
                encoder: Bool = true, decoder: Bool = true) {
        self.rank = rank; self.encoderRank = encoderRank; self.scale = scale; self.targets = targets
        self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_lora" }
    public var identifier: String { "lora" }
    /// The reference's filter: names containing `lora`.
    public func trains(_ name: String) -> Bool { LoRATuning.isLoRA(name) }
    /// Whether the parameter `name` belongs to a LoRA pair.
    public static func isLoRA(_ name: String) -> Bool { name.contains("lora") }

    /// The encoder rank used on `family`.
    public func effectiveEncoderRank(for family: EncoderFamily) -> Int {
        encoderRank ?? (family == .vit ? rank : LoRATuning.tinyViTDefaultEncoderRank)
    }

    public func install(into model: any PromptableSAM, generator g: inout SeededGenerator) throws {
        guard rank >= 1 else { throw FineTuningError.invalidHyperParameter(field: "lora rank", value: "\(rank)") }
        if let r = encoderRank, r < 1 { throw FineTuningError.invalidHyperParameter(field: "lora encoder rank", value: "\(r)") }
        guard !targets.isEmpty else { throw FineTuningError.invalidHyperParameter(field: "lora targets", value: "[]") }
        try checkFree(model)
        if encoder {
            let r = effectiveEncoderRank(for: model.encoderFamily)
            switch model.encoder {
            case let vit as ImageEncoderViT:
                let d = vit.configuration.encoderEmbedDim
                for (i, block) in vit.blocks.enumerated() {
                    let p = pairs("image_encoder.blocks.\(i).attn", inDim: d, outDim: d, rank: r, generator: &g)
                    block.attn.qkvProjection = LoRAFusedQKV(base: block.attn.qkv, pairs: p, layout: .tokenMajor)
                }
            case let tiny as TinyViT:
                for (prefix, attn) in tinyViTAttentions(tiny) {
                    let d = attn.qkv.weight.value.shape[1]
                    let p = pairs(prefix, inDim: d, outDim: d, rank: r, generator: &g)
                    attn.qkvProjection = LoRAFusedQKV(base: attn.qkv, pairs: p, layout: .headMajor(heads: attn.heads))
                }
            default: break
            }
        }
        if decoder {
            for (prefix, attn) in decoderAttentions(model) {
                let p = pairs(prefix, inDim: attn.qProj.weight.value.shape[1], outDim: attn.internalDim, rank: rank, generator: &g)
                if let q = p.q { attn.qProjection = LoRALinear(base: attn.qProj, pair: q) }
                if let k = p.k { attn.kProjection = LoRALinear(base: attn.kProj, pair: k) }
                if let v = p.v { attn.vProjection = LoRALinear(base: attn.vProj, pair: v) }
            }
        }
    }

    /// Pairs for one attention, drawn in the reference's init order: q (a, b), then k (an extension), then v.
    func pairs(_ prefix: String, inDim: Int, outDim: Int, rank: Int, generator g: inout SeededGenerator) -> LoRAProjections {
        func make(_ t: LoRATarget) -> LoRAPair? {
            targets.contains(t) ? LoRAPair(prefix, name: "lora_\(t.rawValue)", inFeatures: inDim, outFeatures: outDim, rank: rank,
                                            scale: scale, generator: &g) : nil
        }
        let q = make(.query), k = make(.key), v = make(.value)
        return LoRAProjections(q: q, k: k, v: v)
    }
}
