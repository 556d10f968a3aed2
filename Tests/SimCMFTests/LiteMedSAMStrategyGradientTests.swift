import Foundation
import Autodiff
import TensorCore
import TensorFiles
import TestComparisons
import XCTest
@testable import SimCMF

/// The small LiteMedSAM of fixtures/tinyvit/litemedsam_tiny*.safetensors (scripts/make_litemedsam_strategy_fixtures.py):
/// the seeded tiny TinyViT (`TinyViTConfiguration.testTiny`, weights tiny_weights.safetensors, 64×64 input,
/// embedding `[16, 16, 16]`) with a prompt encoder and mask decoder of width 16.
enum TinyLiteMedSAMFixtures {
    static let directory = SAMFixtures.directory.deletingLastPathComponent().appendingPathComponent("tinyvit")

    static func archive(_ name: String) throws -> TensorArchive { try TensorFiles.read(directory.appendingPathComponent(name)) }

    /// The script's mask decoder: width 16, 2 two-way layers of 2 heads, MLP 32, IoU head depth 3 and width 16
    /// (the encoder fields are unused by `MaskDecoder`).
    static let decoderConfiguration = SAMConfiguration(encoderEmbedDim: 16, encoderDepth: 1, encoderHeads: 1, globalAttentionIndexes: [],
                                                       windowSize: 4, imageSize: 64, patchSize: 4, promptEmbedDim: 16, maskInChannels: 4,
                                                       decoderDepth: 2, decoderHeads: 2, decoderMLPDim: 32, attentionDownsampleRate: 2,
                                                       multimaskOutputs: 3, iouHeadDepth: 3, iouHeadHiddenDim: 16)
    /// The script's LoRA ranks (ENC_R, DEC_R).
    static let lora = LoRATuning(rank: 4, encoderRank: 2)

    /// The registry's strategy `name` for TinyViT, with the script's LoRA ranks for `lora`.
    static func strategy(_ name: String) throws -> any FineTuningStrategy {
        name == "lora" ? lora : try FineTuningRegistry.strategy(named: name, for: .tinyViT)
    }

    /// The small LiteMedSAM with the fixture's weights.
    static func model() throws -> LiteMedSAM {
        var g = SeededGenerator(seed: 7)   // every tensor is overwritten below
        let encoder = try TinyViT(configuration: .testTiny, generator: &g)
        try encoder.load(try archive("tiny_weights.safetensors"))
        let promptEncoder = PromptEncoder(embedDim: 16, imageEmbeddingSize: (16, 16), inputImageSize: (64, 64), maskInChannels: 4, generator: &g)
        let maskDecoder = MaskDecoder(configuration: decoderConfiguration, generator: &g)
        var tensors: [String: Tensor] = [:]
        for t in try archive("litemedsam_tiny.safetensors").tensors { tensors[t.name] = t.tensor }
        try SAMStateDict(tensors, file: "litemedsam_tiny.safetensors")
            .assign(to: promptEncoder.buffers + promptEncoder.parameters + maskDecoder.parameters, scopes: ["prompt_encoder.", "mask_decoder."])
        return LiteMedSAM(imageEncoder: encoder, promptEncoder: promptEncoder, maskDecoder: maskDecoder)
    }

    /// `model()` with `strategy` prepared as the trainer does (LoRA pairs installed, trainable flags,
    /// training mode: batch statistics for `full`, folded running statistics otherwise).
    static func prepared(_ name: String, seed: UInt64 = 1) throws -> LiteMedSAM {
        let model = try model()
        var g = SeededGenerator(seed: seed)
        try model.prepare(try strategy(name), generator: &g)
        model.setTraining(true)
        return model
    }
}

/// Every LiteMedSAM strategy's gradients against PyTorch autograd on the same small model, inputs, box
/// prompts and Dice+CE loss: `max|g − g_ref| ≤ 1e-3 · max|g_ref|` per trainable tensor (`assertCloseToScale`,
/// the tolerance of the SAM gradient tests; both sides are float32 with different summation orders, and the
/// measured worst ratio is 4.7e-5 (full; decoder 4.1e-6, lora 2.9e-5), so a gradient off by 1 % fails with a
/// 20× margin either way).
final class LiteMedSAMStrategyGradientTests: XCTestCase {
    /// - Parameter trainable: the number of trainable tensors PyTorch reports for the strategy.
    private func check(_ key: String, trainable: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let inputs = try TinyLiteMedSAMFixtures.archive("litemedsam_tiny.safetensors")
        let ref = try TinyLiteMedSAMFixtures.archive("litemedsam_tiny_\(key).safetensors")
        let model = try TinyLiteMedSAMFixtures.prepared(key)
        XCTAssertEqual(model.imageEncoder.batchNormMode, key == "full" ? .training : .evaluationFolded, key, file: file, line: line)
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        // The LoRA pairs' values (the reference's RNG differs; its B is non-zero so that A gets gradient).
        let initial = ref.names.filter { $0.hasPrefix("init.") }
        XCTAssertEqual(Set(initial.map { String($0.dropFirst(5)) }), Set(model.parameters.map(\.name).filter(LoRATuning.isLoRA)),
                       "\(key): added tensors", file: file, line: line)
        for n in initial {
            let p = try XCTUnwrap(byName[String(n.dropFirst(5))], file: file, line: line)
            let t = try ref.require(n)
            XCTAssertEqual(p.value.shape, t.shape, n, file: file, line: line)
            p.value = t
        }
        XCTAssertEqual(model.trainableParameters.count, trainable, "\(key): trainable tensors", file: file, line: line)

        let logits = try model.decode(embeddings: try model.embed(Variable(try inputs.require("image"))),
                                      prompts: SAMPrompts(boxes: try inputs.require("boxes")))
        assertClose(logits.value, try ref.require("logits"), tol: 1e-4, "\(key): logits", file: file, line: line)
        let loss = Loss.diceCE(logits, target: try inputs.require("target"))
        assertClose(loss.value.reshaped([1]), try ref.require("loss"), tol: 1e-5, "\(key): loss", file: file, line: line)
        guard trainable > 0 else {
            XCTAssertTrue(model.encoderIsFrozen, file: file, line: line)
            return
        }
        loss.backward()

        let reached = Set(ref.names.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
        let names = Set(model.trainableParameters.map(\.name))
        XCTAssertTrue(reached.isSubset(of: names), "\(key): PyTorch gradients of frozen tensors \(reached.subtracting(names).sorted())",
                      file: file, line: line)
        XCTAssertGreaterThan(reached.count, trainable / 2, "\(key): the loss reaches most trainable tensors", file: file, line: line)
        for p in model.parameters where !p.trainable {
            XCTAssertNil(p.grad, "\(key): frozen \(p.name) got a gradient", file: file, line: line)
        }
        // The largest gradient entry of any tensor (PyTorch's), the scale of "negligible".
        let overall = try reached.map { try largestMagnitude(try ref.require("grad." + $0)) }.reduce(0, Swift.max)
        for p in model.trainableParameters {
            guard let expected = ref["grad." + p.name] else {
                // No gradient in PyTorch (the IoU head is not in the loss): none, or zeros, here.
                XCTAssertTrue(p.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true, "\(key): \(p.name) has a gradient PyTorch has not",
                              file: file, line: line)
                continue
            }
            let got = try XCTUnwrap(p.grad, "\(key): no gradient for \(p.name)", file: file, line: line)
            XCTAssertTrue(got.scalars.allSatisfy(\.isFinite), "\(key): non-finite gradient of \(p.name)", file: file, line: line)
            if try largestMagnitude(expected) < 1e-6 * overall {
                // Zero in exact arithmetic, rounding noise on both sides: a decoder k_proj.bias (a shift of every
                // key, which softmax cancels) and, on batch statistics, the fc2.bias of a stage's last block (a
                // per-channel shift that the next PatchMerging's batch-normalised 1×1 conv removes). Swift's must
                // be noise too, i.e. negligible beside the largest gradient entry of any tensor.
                XCTAssertLessThanOrEqual(try largestMagnitude(got), 1e-5 * overall, "\(key): \(p.name) should be ~0", file: file, line: line)
                continue
            }
            assertCloseToScale(got, expected, tol: 1e-3, "\(key): d loss / d \(p.name)", file: file, line: line)
            if ProcessInfo.processInfo.environment["GRADIENT_VERBOSE"] == "1" {
                print("litemedsam \(key) \(p.name): max|Δg| / max|g_ref| = \(relativeMaxError(got, expected))")
            }
        }
    }

    /// TinyViT on batch statistics and the mask decoder (257 tensors; the IoU head's 6 get no gradient).
    func testFullGradientsMatchPyTorch() throws { try check("full", trainable: 257) }
    /// The mask decoder only (120 tensors), TinyViT on folded running statistics.
    func testDecoderGradientsMatchPyTorch() throws { try check("decoder", trainable: 120) }
    /// LoRA pairs only: 5 TinyViT attention blocks and 7 decoder attentions, q and v, A and B (48 tensors).
    func testLoRAGradientsMatchPyTorch() throws { try check("lora", trainable: 48) }
    /// Nothing trains; the forward still matches.
    func testFrozenForwardMatchesPyTorch() throws { try check("frozen", trainable: 0) }
}
