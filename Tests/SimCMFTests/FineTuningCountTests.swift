import TensorCore
import XCTest
@testable import SimCMF

/// docs/REFERENCE.md §3.1, §4 and §10: trainable-parameter totals of the reference on vit_b (derived from
/// its code), checked on a vit_b built (randomly initialised) but never run.
final class FineTuningCountTests: XCTestCase {
    private func vitB(_ strategy: any FineTuningStrategy, channels: Int = 9, alignment: AlignmentKind = .simcmf) throws -> CrossModalSAM {
        try CrossModalSAM(sam: SAMModel(configuration: .vitB), alignment: alignment, channels: channels, strategy: strategy)
    }

    func testTrainableTotalsForSimCMFWithNineChannelsOnViTB() throws {
        let expected: [(any FineTuningStrategy, Int, Int)] = [   // strategy, trainable total, added parameters
            (LoRATuning(), 6_057_572, 4_275_200),
            (MLPAdapterTuning(), 5_686_100, 3_903_728),
            (VisualPromptTuning(), 6_185_572, 4_403_200),
            (PrefixTuning(), 6_185_572, 4_403_200),
        ]
        for (strategy, total, added) in expected {
            let model = try vitB(strategy)
            XCTAssertEqual(model.projectorParameterCount, 1_782_372, strategy.name)
            XCTAssertEqual(model.trainableParameterCount, total, strategy.name)
            let all = model.parameters.reduce(0) { $0 + $1.value.count }
            XCTAssertEqual(all, 93_735_472 + added + 1_782_372, "\(strategy.name): total parameters")
            // Nothing of the prompt encoder trains; every trainable name is the strategy's or the projector's.
            for p in model.parameters where p.trainable {
                XCTAssertFalse(p.name.hasPrefix("prompt_encoder."), p.name)
                XCTAssert(p.name.hasPrefix(projectorPrefix) || strategy.trains(p.name), p.name)
            }
        }
    }

    func testFullFineTuningAndLinearProbingTotals() throws {
        let sam = try SAMModel(configuration: .vitB)
        let full = try CrossModalSAM(sam: sam, alignment: .simcmf, channels: 9, strategy: FullFineTuning())
        XCTAssertEqual(full.trainableParameterCount, 95_511_624)
        // The same SAM re-used: no modules are installed by either strategy.
        let probe = try CrossModalSAM(sam: sam, alignment: .simcmf, channels: 9, strategy: LinearProbing())
        XCTAssertEqual(probe.trainableParameterCount, 5_518_692)
        XCTAssertEqual(Set(probe.sam.parameters.filter(\.trainable).map(\.name)),
                       ["image_encoder.pos_embed", "image_encoder.patch_embed.proj.weight", "image_encoder.patch_embed.proj.bias"])
    }

    func testProjectorCountFormulaAndBaselines() throws {
        let sam = try SAMModel(configuration: .vitB)
        var g = SeededGenerator(seed: 1)
        for c in [1, 3, 4, 6, 9] {
            let expected: [AlignmentKind: Int] = [
                .simcmf: 72 * c * c + 197_393 * c + 3, .baselineA: 196_608 * c + 768, .baselineB: 36 * c * c + 16 * c + 3 + 590_592,
                .baselineC: 3 * c + 3 + 590_592, .baselineD: 3 * c + 3, .zeroshot: 0,
            ]
            for (kind, n) in expected {
                let m = try makeAlignmentModule(kind, channels: c, patchEmbed: sam.imageEncoder.patchEmbed, generator: &g)
                XCTAssertEqual(m.parameters.reduce(0) { $0 + $1.value.count }, n, "\(kind.rawValue) C=\(c)")
                XCTAssert(m.parameters.allSatisfy { $0.name.hasPrefix(projectorPrefix + ".") }, "\(kind.rawValue): names")
            }
        }
        // The reference's printed examples (docs/REFERENCE.md §3.1).
        for (c, n) in [(1, 197_468), (3, 592_830), (4, 790_727), (6, 1_186_953), (9, 1_782_372)] {
            XCTAssertEqual(72 * c * c + 197_393 * c + 3, n)
        }
    }

    func testReferenceParameterNamesAndShapes() throws {
        let lora = try vitB(LoRATuning())
        let shapes = Dictionary(uniqueKeysWithValues: lora.parameters.map { ($0.name, $0.value.shape) })
        XCTAssertEqual(shapes["image_encoder.blocks.11.attn.lora_q_a.weight"], [100, 768])
        XCTAssertEqual(shapes["image_encoder.blocks.0.attn.lora_v_b.weight"], [768, 100])
        XCTAssertEqual(shapes["mask_decoder.transformer.layers.0.self_attn.lora_q_b.weight"], [256, 100])
        XCTAssertEqual(shapes["mask_decoder.transformer.final_attn_token_to_image.lora_v_b.weight"], [128, 100])
        XCTAssertEqual(shapes["image_encoder.projector.moe.1.weight"], [1, 36, 1, 1])
        XCTAssertEqual(shapes["image_encoder.projector.group_patch_embedding.8.weight"], [768, 1, 16, 16])
        XCTAssertEqual(shapes["image_encoder.projector.fc.weight"], [1, 9])
        XCTAssertNil(shapes["image_encoder.blocks.0.attn.lora_k_a.weight"])
        XCTAssertEqual(lora.parameters.count, Set(lora.parameters.map(\.name)).count, "duplicate names")
        var g = SeededGenerator(seed: 2)
        XCTAssertThrowsError(try LoRATuning().install(into: lora.sam, generator: &g)) { e in
            XCTAssertEqual(e as? FineTuningError, .alreadyInstalled(field: "image_encoder.blocks.0"))
        }
    }
}
