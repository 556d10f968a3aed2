import Autodiff
import Foundation
import TensorCore
import TensorKernels
import XCTest
@testable import SimCMF

/// The fine-tuning strategies on a TinyViT SAM with MobileSAM's 3×3 stride-2 stem, scaled down: the stages of
/// `TinyViTConfiguration.testTiny` behind the strided stem (256 × 256 input → 64 × 64 tokens → a 16 × 16 embedding),
/// SAM's prompt encoder (input 256, grid 16) and mask decoder at width 16 (`TinyLiteMedSAMFixtures.decoderConfiguration`).
/// `full`, `decoder` and `lora` train as on LiteMedSAM: a few Adam steps on one batch lower the Dice+CE loss and
/// change only the strategy's tensors (and, for `full` alone, the BatchNorm running statistics); `linear`,
/// `adapter`, `prompt` and `prefix` are refused with the family's reason.
final class MobileSAMStrategyTests: XCTestCase {
    static func model(seed: UInt64 = 11) throws -> TinyViTSAM {
        var c = TinyViTConfiguration.testTiny
        c.stem = .strided3x3
        c.imageSize = 256
        var g = SeededGenerator(seed: seed)
        let encoder = try TinyViT(configuration: c, generator: &g)
        let grid = c.embeddingSide(input: 256)
        let prompt = PromptEncoder(embedDim: 16, imageEmbeddingSize: (grid, grid), inputImageSize: (256, 256), maskInChannels: 4, generator: &g)
        let decoder = MaskDecoder(configuration: TinyLiteMedSAMFixtures.decoderConfiguration, generator: &g)
        return TinyViTSAM(imageEncoder: encoder, promptEncoder: prompt, maskDecoder: decoder)
    }

    /// Two images, a box each (input pixels) and the box's rectangle as the target at the mask size 64.
    static func batch() -> (images: Tensor, prompts: SAMPrompts, target: Tensor) {
        var g = SeededGenerator(seed: 5)
        let boxes: [[Float]] = [[40, 60, 180, 200], [100, 20, 240, 150]]
        let target = boxes.flatMap { b in
            (0..<64).flatMap { y in (0..<64).map { x -> Float in
                let (px, py) = (Float(4 * x + 2), Float(4 * y + 2))
                return px >= b[0] && px <= b[2] && py >= b[1] && py <= b[3] ? 1 : 0
            } }
        }
        return (Tensor.uniform([2, 3, 256, 256], using: &g), SAMPrompts(boxes: Tensor(shape: [2, 4], values: boxes.flatMap { $0 })),
                Tensor(shape: [2, 1, 64, 64], values: target))
    }

    func testFullDecoderAndLoRATrainOnTheStridedStem() throws {
        let (images, prompts, target) = Self.batch()
        for name in ["full", "decoder", "lora"] {
            let model = try Self.model()
            XCTAssertEqual([model.variant.inputSize, model.inputSize, model.maskSize], [1024, 256, 64], "MobileSAM's stem, scaled down")
            var g = SeededGenerator(seed: 1)
            try model.prepare(try FineTuningRegistry.strategy(named: name, for: .tinyViT), generator: &g)
            model.setTraining(true)
            XCTAssertEqual(model.imageEncoder.batchNormMode, name == "full" ? .training : .evaluationFolded, name)
            let before = Dictionary(uniqueKeysWithValues: (model.parameters + model.trainingBuffers).map { ($0.name, $0.value) })
            let optimizer = Adam(model.trainableParameters, learningRate: 1e-3)
            var losses: [Float] = []
            for _ in 0..<3 {
                let loss = Loss.diceCE(try model.decode(embeddings: try model.embed(Variable(images)), prompts: prompts), target: target)
                losses.append(loss.value.item)
                loss.backward()
                optimizer.step()
                optimizer.zeroGrad()
            }
            XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(name): \(losses)")
            XCTAssertLessThan(losses[2], losses[0], "\(name): \(losses)")
            let changed = Set((model.parameters + model.trainingBuffers).filter { $0.value.scalars != before[$0.name]?.scalars }.map(\.name))
            let allowed: (String) -> Bool = switch name {
            case "full": { $0.hasPrefix("image_encoder.") || $0.hasPrefix("mask_decoder.") }
            case "decoder": { $0.hasPrefix("mask_decoder.") }
            default: { LoRATuning.isLoRA($0) }
            }
            XCTAssertEqual(changed.filter { !allowed($0) }.sorted(), [], "\(name): tensors outside the strategy changed")
            XCTAssertTrue(changed.contains { $0.hasPrefix("image_encoder.") } == (name != "decoder"), "\(name): encoder side")
            XCTAssertTrue(changed.contains { $0.hasPrefix("mask_decoder.") }, "\(name): decoder side")
            XCTAssertEqual(changed.contains { $0.hasSuffix("running_mean") }, name == "full", "\(name): BatchNorm statistics")
        }
    }

    func testOtherStrategiesAreRefusedWithAReason() throws {
        for name in ["linear", "adapter", "prompt", "prefix"] {
            var g = SeededGenerator(seed: 2)
            XCTAssertThrowsError(try Self.model().prepare(try FineTuningRegistry.strategy(named: name), generator: &g)) { error in
                guard case FineTuningError.unsupported(_, let family, let reason) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(family, EncoderFamily.tinyViT.rawValue); XCTAssertFalse(reason.isEmpty, name)
            }
        }
    }

    /// With C ≠ 3 the pixel channel mixer goes in front and the model keeps the base's input side.
    func testChannelMixerInFrontKeepsTheInputSide() throws {
        let mixed = try ModelBuilder.tinyViTSAM(try Self.model(), channels: 4, alignment: .simcmf, strategy: LoRATuning(), seed: 3)
        XCTAssertEqual([mixed.inputChannels, mixed.inputSize, mixed.maskSize], [4, 256, 64])
        var g = SeededGenerator(seed: 4)
        let embedding = try withoutGradients { try mixed.embed(Variable(Tensor.uniform([1, 4, 256, 256], using: &g))).value }
        XCTAssertEqual(embedding.shape, [1, 16, 16, 16])
    }
}
