import Foundation
import Autodiff
import TensorCore
import TestComparisons
import XCTest
@testable import SimCMF

/// `LoRATuning` on LiteMedSAM (TinyViT): the LoRA function on a small TinyViT attention, the
/// trainable set, the start as plain LiteMedSAM, and what one training step changes.
final class LiteMedSAMLoRATests: XCTestCase {
    /// A small TinyViT attention (dim 8, 2 heads, 3×3 window) with rank-2 LoRA pairs on q and v whose
    /// B is random (so the pairs act).
    func smallAttention(_ g: inout SeededGenerator) -> TinyViTAttention {
        let attn = TinyViTAttention("a", dim: 8, heads: 2, resolution: 3, generator: &g)
        attn.attentionBiases.value = Tensor.uniform(attn.attentionBiases.value.shape, low: -0.5, high: 0.5, using: &g)
        attn.qkv.weight.value = Tensor.uniform([24, 8], low: -0.5, high: 0.5, using: &g)   // sharper attention than the 0.02 init
        let pairs = LoRATuning(rank: 2).pairs("a", inDim: 8, outDim: 8, rank: 2, generator: &g)
        attn.qkvProjection = LoRAFusedQKV(base: attn.qkv, pairs: pairs, layout: .headMajor(heads: 2))
        for p in pairs.parameters where p.name.hasSuffix("_b.weight") { p.value = Tensor.uniform(p.value.shape, low: -0.5, high: 0.5, using: &g) }
        return attn
    }

    /// The LoRA pairs wrapped around `attn`'s `qkv`.
    func lora(_ attn: TinyViTAttention) -> LoRAProjections { (attn.qkvProjection as! LoRAFusedQKV).pairs }

    /// Independent truth for the forward: LoRA on q and v equals the plain attention whose `qkv` weight
    /// has `B·A` merged into the q and v rows of every head (layout `[heads, (q | k | v), key_dim]`).
    func testLoRAEqualsMergedWeights() throws {
        var g = SeededGenerator(seed: 3)
        let attn = smallAttention(&g)
        var g2 = SeededGenerator(seed: 3)
        let merged = TinyViTAttention("a", dim: 8, heads: 2, resolution: 3, generator: &g2)
        merged.attentionBiases.value = attn.attentionBiases.value
        merged.qkv.weight.value = attn.qkv.weight.value
        func product(_ pair: LoRAPair) -> [Float] {   // B [8, 2] · A [2, 8] → [8, 8]
            let a = pair.a.value.scalars, b = pair.b.value.scalars
            var out = [Float](repeating: 0, count: 64)
            for row in 0..<8 { for col in 0..<8 { for j in 0..<2 { out[row * 8 + col] += b[row * 2 + j] * a[j * 8 + col] } } }
            return out
        }
        let dq = product(lora(attn).q!), dv = product(lora(attn).v!)
        var w = merged.qkv.weight.value.scalars   // [24, 8]
        for h in 0..<2 { for d in 0..<4 { for i in 0..<8 {
            w[(h * 12 + d) * 8 + i] += dq[(h * 4 + d) * 8 + i]
            w[(h * 12 + 8 + d) * 8 + i] += dv[(h * 4 + d) * 8 + i]
        } } }
        merged.qkv.weight.value = Tensor(shape: [24, 8], values: w)
        let x = Variable(Tensor.uniform([2, 9, 8], low: -1, high: 1, using: &g))
        assertClose(attn(x).value, merged(x).value, tol: 1e-5, "LoRA vs merged weights")
        var g3 = SeededGenerator(seed: 3)
        let plain = TinyViTAttention("a", dim: 8, heads: 2, resolution: 3, generator: &g3)
        plain.attentionBiases.value = attn.attentionBiases.value
        plain.qkv.weight.value = attn.qkv.weight.value
        let gap = largestError(zip(attn(x).value.scalars, plain(x).value.scalars).map { Double(abs($0 - $1)) })
        XCTAssertGreaterThan(gap, 1e-3, "the pairs change the output")
    }

    /// The gradient of `sum(attn(x) · r)` w.r.t. every LoRA entry against central finite differences.
    func testLoRAGradientMatchesFiniteDifferences() throws {
        var g = SeededGenerator(seed: 5)
        let attn = smallAttention(&g)
        let x = Variable(Tensor.uniform([1, 9, 8], low: -1, high: 1, using: &g))
        let r = Variable(Tensor.uniform([1, 9, 8], low: -1, high: 1, using: &g))
        func loss() -> Float { withoutGradients { (attn(x) * r).sum().value.item } }
        (attn(x) * r).sum().backward()
        let eps: Float = 1e-2
        for p in lora(attn).parameters {
            let grad = try XCTUnwrap(p.grad, p.name).scalars
            let scale = grad.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 1e-3, "\(p.name) gets a gradient")
            let base = p.value.scalars
            for i in base.indices {
                var plus = base, minus = base
                plus[i] += eps; minus[i] -= eps
                p.value = Tensor(shape: p.value.shape, values: plus); let lp = loss()
                p.value = Tensor(shape: p.value.shape, values: minus); let lm = loss()
                p.value = Tensor(shape: p.value.shape, values: base)
                let fd = (lp - lm) / (2 * eps)
                XCTAssertEqual(grad[i], fd, accuracy: 2e-3 * scale + 2e-4, "\(p.name)[\(i)]")
            }
        }
    }

    /// Hand-derived: TinyViT attention widths 2 × 128, 6 × 160, 2 × 320 (Σ = 1856), each q and v pair
    /// `r·d + d·r` → 4 · 16 · 1856 = 118,784; the decoder as the reference's sam_lora: 2 self-attentions
    /// (2 · 2 · (100·256 + 256·100) = 204,800) and 5 attentions at internal width 128
    /// (5 · 2 · (100·256 + 128·100) = 384,000) → 707,584 trainable values, all named `lora`.
    func testTrainableSetIsExactlyTheLoRAPairs() throws {
        let model = try LiteMedSAM(randomSeed: 1)
        var g = SeededGenerator(seed: 2)
        try model.prepare(LoRATuning(), generator: &g)
        let trainable = model.parameters.filter(\.trainable)
        XCTAssertEqual(trainable.reduce(0) { $0 + $1.value.count }, 707_584)
        XCTAssertTrue(trainable.allSatisfy { $0.name.contains(".lora_q_") || $0.name.contains(".lora_v_") })
        XCTAssertEqual(trainable.filter { $0.name.hasPrefix("image_encoder.") }.count, 10 * 4)
        XCTAssertEqual(trainable.filter { $0.name.hasPrefix("mask_decoder.") }.count, 7 * 4)
        XCTAssertFalse(model.promptEncoder.parameters.contains(where: \.trainable))
        XCTAssertEqual((model.imageEncoder.attentionStages[0].blocks[0].attn.qkvProjection as? LoRAFusedQKV)?.pairs.q?.a.value.shape, [16, 128])
        XCTAssertEqual((model.imageEncoder.attentionStages[0].blocks[0].attn.qkvProjection as? LoRAFusedQKV)?.pairs.q?.a.name, "image_encoder.layers.1.blocks.0.attn.lora_q_a.weight")
        XCTAssertFalse(model.encoderWeightsTrain); XCTAssertFalse(model.encoderIsFrozen); XCTAssertFalse(model.embeddingIsFrozen)
        XCTAssertThrowsError(try model.prepare(LoRATuning(), generator: &g), "installed twice")
        // decoder-only: frozen encoder, so the trainer may cache embeddings.
        let d = try LiteMedSAM(randomSeed: 1)
        d.applyTrainability(DecoderTuning())
        XCTAssertTrue(d.embeddingIsFrozen)
        XCTAssertEqual(d.trainableParameters.reduce(0) { $0 + $1.value.count }, 4_058_340, "SAM's mask decoder (docs/REFERENCE.md §4)")
        d.setTraining(true)
        XCTAssertEqual(d.imageEncoder.batchNormMode, .evaluationFolded, "frozen encoder: folded BatchNorm in training too")
        d.applyTrainability(FullFineTuning())
        d.setTraining(true)
        XCTAssertEqual(d.imageEncoder.batchNormMode, .training, "full: batch statistics")
        XCTAssertFalse(d.embeddingIsFrozen)
    }

    /// At init (B = 0) the LoRA model is plain LiteMedSAM exactly; one Adam step changes only trainable
    /// tensors (the B matrices: A's gradient is B·… = 0 at the first step), never the BatchNorm statistics.
    func testStartsAsPlainAndOneStepChangesOnlyTrainableTensors() throws {
        let model = try LiteMedSAM(randomSeed: 4)
        var g = SeededGenerator(seed: 9)
        let image = Variable(Tensor.uniform([1, 3, 256, 256], using: &g))
        let prompts = SAMPrompts(boxes: Tensor(shape: [1, 4], values: [60, 70, 180, 200]))
        let plain = try withoutGradients { try model.decode(embeddings: try model.embed(image), prompts: prompts) }.value
        try model.prepare(LoRATuning(), generator: &g)
        model.setTraining(true)
        XCTAssertEqual(model.imageEncoder.batchNormMode, .evaluationFolded, "frozen encoder keeps its statistics")
        let before = Dictionary(uniqueKeysWithValues: (model.parameters + model.trainingBuffers).map { ($0.name, $0.value.scalars) })
        let logits = try model.decode(embeddings: try model.embed(image), prompts: prompts)
        XCTAssertEqual(logits.value.scalars, plain.scalars, "B = 0: bit-identical to plain LiteMedSAM")
        let target = Tensor(shape: [1, 1, 256, 256], values: (0..<(256 * 256)).map { ($0 / 256) > 100 ? 1 : 0 })
        Loss.diceCE(logits, target: target).backward()
        let optimizer = Adam(model.trainableParameters, learningRate: 1e-3)
        optimizer.step()
        model.setTraining(false)
        var changed: [String] = []
        for p in model.parameters + model.trainingBuffers where p.value.scalars != before[p.name] { changed.append(p.name) }
        let trainable = Set(model.trainableParameters.map(\.name))
        XCTAssertTrue(Set(changed).isSubset(of: trainable), "changed but frozen: \(Set(changed).subtracting(trainable).sorted().prefix(5))")
        XCTAssertEqual(Set(changed), Set(trainable.filter { $0.hasSuffix("_b.weight") }), "every B moves, no A at the first step")
    }
}
