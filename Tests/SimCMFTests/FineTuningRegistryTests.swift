import TensorCore
import XCTest
@testable import SimCMF

/// `FineTuningRegistry` (one name → strategy table for both encoder families), the typed refusals on
/// TinyViT, `ModelBuilder.scratch` and `TrainableSummary` against the hand-derived counts of
/// docs/REFERENCE.md §4 and §10 (the same numbers `FineTuningCountTests` asserts through `CrossModalSAM`).
final class FineTuningRegistryTests: XCTestCase {
    func testEveryNameResolvesToItsStrategy() throws {
        XCTAssertEqual(FineTuningRegistry.names, ["full", "linear", "lora", "adapter", "prompt", "prefix", "ia3", "decoder", "frozen"])
        for name in FineTuningRegistry.names { XCTAssertEqual(try FineTuningRegistry.strategy(named: name).identifier, name) }
        XCTAssertEqual(try FineTuningRegistry.strategy(named: "lora", for: .vit).name, "sam_lora")
        XCTAssertThrowsError(try FineTuningRegistry.strategy(named: "magic")) { e in
            XCTAssertEqual(e as? FineTuningError, .unknownStrategy(name: "magic", known: FineTuningRegistry.names))
        }
        XCTAssertEqual(FineTuningRegistry.names(supportedBy: .vit), FineTuningRegistry.names)
        XCTAssertEqual(FineTuningRegistry.names(supportedBy: .tinyViT), ["full", "lora", "ia3", "decoder", "frozen"])
    }

    /// Strategies undefined on TinyViT are refused with a typed error that says why, by the registry and by
    /// `install` itself, and nothing is installed.
    func testTinyViTRefusesWhatItCannotHost() throws {
        for name in ["linear", "adapter", "prompt", "prefix"] {
            XCTAssertThrowsError(try FineTuningRegistry.strategy(named: name, for: .tinyViT)) { e in
                guard case let .unsupported(strategy, family, reason)? = e as? FineTuningError else { return XCTFail("\(name): \(e)") }
                XCTAssertEqual(strategy, name); XCTAssertEqual(family, "tinyvit"); XCTAssertFalse(reason.isEmpty)
            }
            let model = try TinyLiteMedSAMFixtures.model()
            let before = model.parameters.count
            var g = SeededGenerator(seed: 0)
            XCTAssertThrowsError(try model.prepare(try FineTuningRegistry.strategy(named: name), generator: &g), name)
            XCTAssertThrowsError(try FineTuningRegistry.strategy(named: name).install(into: model, generator: &g), name)
            XCTAssertEqual(model.parameters.count, before, "\(name): nothing installed")
        }
    }

    /// ViT-B, simcmf, C = 9, built without weights: the trainable values per group are docs/REFERENCE.md §4's.
    func testScratchViTBSummaryMatchesTheReferenceCounts() throws {
        let projector = 1_782_372, encoder = 89_670_912, decoder = 4_058_340, sam = 93_735_472
        let expected: [(String, encoder: Int, peft: Int, decoder: Int, added: Int)] = [
            ("full", encoder, 0, decoder, 0), ("linear", 3_736_320, 0, 0, 0), ("lora", 0, 4_275_200, 0, 4_275_200),
            ("adapter", 0, 3_903_728, 0, 3_903_728), ("prompt", 0, 4_403_200, 0, 4_403_200), ("prefix", 0, 4_403_200, 0, 4_403_200),
            ("decoder", 0, 0, decoder, 0), ("frozen", 0, 0, 0, 0),
        ]
        let totals = ["full": 95_511_624, "linear": 5_518_692, "lora": 6_057_572, "adapter": 5_686_100, "prompt": 6_185_572, "prefix": 6_185_572]
        for e in expected {
            let model = try ModelBuilder.scratch(.vitB, channels: 9, alignment: .simcmf, strategy: try FineTuningRegistry.strategy(named: e.0))
            let s = TrainableSummary(model)
            XCTAssertEqual(s.trainable, [.alignment: projector, .encoder: e.encoder, .peft: e.peft, .decoder: e.decoder, .promptEncoder: 0], e.0)
            XCTAssertEqual(s.total[.alignment], projector, e.0)
            XCTAssertEqual(s.total[.peft], e.added, e.0)
            XCTAssertEqual(s.parameterTotal, sam + e.added + projector, e.0)
            if let t = totals[e.0] { XCTAssertEqual(s.trainableTotal, t, e.0) }
            XCTAssertEqual(s.trainableTotal, model.trainableParameters.reduce(0) { $0 + $1.value.count }, e.0)
        }
    }

    /// LiteMedSAM without weights: LoRA adds 707,584 values (118,784 in TinyViT at rank 16, 588,800 in the
    /// decoder, docs/REFERENCE.md §4); the decoder alone is SAM's 4,058,340; C = 9 puts the pixel mixer in front.
    func testScratchLiteMedSAMSummary() throws {
        let lora = TrainableSummary(try ModelBuilder.scratch(.liteMedSAM, channels: 3, alignment: .simcmf, strategy: LoRATuning()))
        XCTAssertEqual(lora.trainable, [.alignment: 0, .encoder: 0, .peft: 707_584, .decoder: 0, .promptEncoder: 0])
        let mixed = try ModelBuilder.scratch(.liteMedSAM, channels: 9, alignment: .simcmf, strategy: DecoderTuning())
        XCTAssertTrue(mixed is ChannelMixedLiteMedSAM)
        let mixer = mixed.alignmentParameters.reduce(0) { $0 + $1.value.count }
        XCTAssertGreaterThan(mixer, 0)
        let s = TrainableSummary(mixed)
        XCTAssertEqual(s.trainable, [.alignment: mixer, .encoder: 0, .peft: 0, .decoder: 4_058_340, .promptEncoder: 0])
        XCTAssertThrowsError(try ModelBuilder.scratch(.liteMedSAM, channels: 9, alignment: .baselineA, strategy: FullFineTuning())) { e in
            guard case .unsupportedAlignment? = e as? ModelBuilderError else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try ModelBuilder.scratch(.liteMedSAM, channels: 3, alignment: .simcmf, strategy: PrefixTuning()))
    }

    /// LoRA wraps the projections (`LoRAFusedQKV`, `LoRALinear`) yet the parameters keep the reference's
    /// state-dict names and order: an attention's own tensors, then `lora_q_*`, then `lora_v_*`.
    func testLoRAWrappersKeepTheReferenceNamesAndOrder() throws {
        let sam = try SAMFixtures.model()
        var g = SeededGenerator(seed: 0)
        try LoRATuning(rank: 2).install(into: sam, generator: &g)
        let p = "image_encoder.blocks.0.attn."
        XCTAssertEqual(sam.imageEncoder.blocks[0].attn.parameters.map(\.name),
                       ["rel_pos_h", "rel_pos_w", "qkv.weight", "qkv.bias", "proj.weight", "proj.bias",
                        "lora_q_a.weight", "lora_q_b.weight", "lora_v_a.weight", "lora_v_b.weight"].map { p + $0 })
        let d = "mask_decoder.transformer.layers.0.self_attn."
        XCTAssertEqual(sam.maskDecoder.transformer.layers[0].selfAttn.parameters.map(\.name),
                       ["q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias",
                        "out_proj.weight", "out_proj.bias", "lora_q_a.weight", "lora_q_b.weight", "lora_v_a.weight",
                        "lora_v_b.weight"].map { d + $0 })
        XCTAssertThrowsError(try LoRATuning(rank: 2).install(into: sam, generator: &g)) { e in
            XCTAssertEqual(e as? FineTuningError, .alreadyInstalled(field: "image_encoder.blocks.0"))
        }
    }

    /// The adapter wraps the blocks' MLP paths (`AdapterMLPPath`) with the reference's names, after the
    /// block's own tensors (ViT block: after `mlp`; decoder layer: after `cross_attn_image_to_token`).
    func testAdapterWrapperKeepsTheReferenceNamesAndOrder() throws {
        let sam = try SAMFixtures.model()
        let plainEncoder = sam.imageEncoder.blocks[0].parameters.map(\.name)
        let plainDecoder = sam.maskDecoder.transformer.layers[1].parameters.map(\.name)
        var g = SeededGenerator(seed: 0)
        try MLPAdapterTuning(hiddenDim: 3).install(into: sam, generator: &g)
        let added = ["down_proj.weight", "down_proj.bias", "up_proj.weight", "up_proj.bias"]
        XCTAssertEqual(sam.imageEncoder.blocks[0].parameters.map(\.name),
                       plainEncoder + added.map { "image_encoder.blocks.0.Adapter_mlp." + $0 })
        XCTAssertEqual(sam.maskDecoder.transformer.layers[1].parameters.map(\.name),
                       plainDecoder + added.map { "mask_decoder.transformer.layers.1.Adapter_mlp." + $0 })
        XCTAssertThrowsError(try MLPAdapterTuning().install(into: sam, generator: &g)) { e in
            XCTAssertEqual(e as? FineTuningError, .alreadyInstalled(field: "image_encoder.blocks.0"))
        }
    }

    /// Prompt and prefix tokens extend the attentions (`KeyValueTokens`) with the reference's names, after
    /// each attention's own tensors; a plain attention has none.
    func testTokenExtensionsKeepTheReferenceNamesAndOrder() throws {
        for (strategy, added) in [(PrefixTuning(length: 2) as any FineTuningStrategy, ["prefix_key_embeddings", "prefix_value_embeddings"]),
                                  (VisualPromptTuning(length: 2), ["deep_prompt_embeddings"])] {
            let sam = try SAMFixtures.model()
            let plainEncoder = sam.imageEncoder.blocks[0].attn.parameters.map(\.name)
            let plainDecoder = sam.maskDecoder.transformer.finalAttnTokenToImage.parameters.map(\.name)
            XCTAssertEqual(sam.imageEncoder.blocks[0].attn.keyValueTokens.length, 0)
            var g = SeededGenerator(seed: 0)
            try strategy.install(into: sam, generator: &g)
            XCTAssertEqual(sam.imageEncoder.blocks[0].attn.parameters.map(\.name),
                           plainEncoder + added.map { "image_encoder.blocks.0.attn." + $0 }, strategy.name)
            XCTAssertEqual(sam.maskDecoder.transformer.finalAttnTokenToImage.parameters.map(\.name),
                           plainDecoder + added.map { "mask_decoder.transformer.final_attn_token_to_image." + $0 }, strategy.name)
        }
    }
}
