import Autodiff
import TensorCore
import TensorKernels
import TestComparisons
import XCTest
@testable import SimCMF

/// IA³ on attention keys and values, checked against what it means: a model whose vectors hold `l` computes what
/// the plain model computes with the k / v output rows (weight rows and bias) of each projection multiplied by `l`.
/// That pins the fused layouts (SAM's `[q | k | v]`, TinyViT's per-head `(q | k | v)`) and the decoder's separate
/// projections without any IA³ code on the truth side. Counts are derived by hand from the layer widths.
final class IA3TuningTests: XCTestCase {
    /// Distinct per-feature factors, 0.6 … 1.4.
    private func factors(_ n: Int, offset: Int) -> [Float] { (0..<n).map { 0.6 + 0.8 * Float(($0 * 7 + offset) % n) / Float(max(n - 1, 1)) } }

    /// Multiplies rows `rows[i]` of `linear`'s weight and bias by `scale[i]`.
    private func scaleRows(_ linear: Linear, _ rows: [Int], by scale: [Float]) {
        var w = linear.weight.value.scalars
        let inFeatures = linear.weight.value.shape[1]
        var b = linear.bias?.value.scalars
        for (row, s) in zip(rows, scale) {
            for j in 0..<inFeatures { w[row * inFeatures + j] *= s }
            b?[row] *= s
        }
        linear.weight.value = Tensor(shape: linear.weight.value.shape, values: w)
        if let b, let bias = linear.bias { bias.value = Tensor(shape: bias.value.shape, values: b) }
    }

    /// Sets every IA³ vector to distinct factors; returns the factors by parameter name.
    private func setVectors(_ parameters: [Parameter]) -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (k, p) in parameters.filter({ $0.name.contains(".ia3_") }).enumerated() {
            let f = factors(p.value.count, offset: k)
            p.value = Tensor(shape: p.value.shape, values: f)
            out[p.name] = f
        }
        return out
    }

    /// The decoder's k / v projections scaled as the vectors say.
    private func scaleDecoder(_ decoder: MaskDecoder, _ f: [String: [Float]]) throws {
        for (prefix, attn) in decoderAttentions(decoder) {
            let k = try XCTUnwrap(f[prefix + ".ia3_k"]), v = try XCTUnwrap(f[prefix + ".ia3_v"])
            scaleRows(attn.kProj, Array(0..<k.count), by: k)
            scaleRows(attn.vProj, Array(0..<v.count), by: v)
        }
    }

    func testViTVectorsEqualScaledKeyAndValueRows() throws {
        let prompts = SAMPrompts.clicks([(x: 20, y: 30)])
        var g = SeededGenerator(seed: 5)
        let x = Variable(Tensor.normal([1, 3, 64, 64], using: &g))
        let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .zeroshot, channels: 3, strategy: IA3Tuning())
        let plain = try SAMFixtures.model()
        let atInit = try withoutGradients { try model(x, prompts: prompts).value }
        assertClose(atInit, try withoutGradients { try plain(x, prompts: prompts).masks.value }, tol: 0, "IA³ at init is the plain model")

        let f = setVectors(model.parameters)
        for (i, block) in plain.imageEncoder.blocks.enumerated() {
            let d = block.attn.qkv.weight.value.shape[0] / 3
            let k = try XCTUnwrap(f["image_encoder.blocks.\(i).attn.ia3_k"]), v = try XCTUnwrap(f["image_encoder.blocks.\(i).attn.ia3_v"])
            scaleRows(block.attn.qkv, Array(d..<(2 * d)) + Array((2 * d)..<(3 * d)), by: k + v)
        }
        try scaleDecoder(plain.maskDecoder, f)
        let scaled = try withoutGradients { try model(x, prompts: prompts).value }
        assertClose(scaled, try withoutGradients { try plain(x, prompts: prompts).masks.value }, tol: 1e-5, "IA³ vectors vs scaled rows")
        XCTAssertFalse(scaled.isClose(to: atInit, rtol: 1e-3, atol: 1e-3), "the vectors change the output")
    }

    func testTinyViTVectorsEqualScaledPerHeadRows() throws {
        let model = try TinyLiteMedSAMFixtures.prepared("ia3")
        let plain = try TinyLiteMedSAMFixtures.prepared("frozen")
        var g = SeededGenerator(seed: 6)
        let image = Variable(Tensor.uniform([1, 3, 64, 64], using: &g))
        let prompts = SAMPrompts(boxes: Tensor(shape: [1, 4], values: [8, 10, 44, 40]))
        func logits(_ m: LiteMedSAM) throws -> Tensor { try withoutGradients { try m.decode(embeddings: try m.embed(image), prompts: prompts).value } }
        assertClose(try logits(model), try logits(plain), tol: 0, "IA³ at init is the plain model")

        let f = setVectors(model.parameters)
        for (prefix, attn) in tinyViTAttentions(plain.imageEncoder) {
            let k = try XCTUnwrap(f[prefix + ".ia3_k"]), v = try XCTUnwrap(f[prefix + ".ia3_v"])
            let kd = k.count / attn.heads
            // Head h's rows: q at h·3kd, k at h·3kd + kd, v at h·3kd + 2kd.
            let kRows = (0..<k.count).map { ($0 / kd) * 3 * kd + kd + $0 % kd }, vRows = kRows.map { $0 + kd }
            scaleRows(attn.qkv, kRows + vRows, by: k + v)
        }
        try scaleDecoder(plain.maskDecoder, f)
        assertClose(try logits(model), try logits(plain), tol: 1e-5, "IA³ vectors vs scaled per-head rows")
    }

    /// ViT-B: 12 blocks × (k + v) × 768 = 18,432; the decoder's 7 attentions: k and v of internal width 256 (the two
    /// self-attentions) or 128 (the five downsampled cross-attentions): 2 × (2 · 256 + 5 · 128) = 2,304. LiteMedSAM:
    /// TinyViT's attention widths 2 × 128 + 6 × 160 + 2 × 320 = 1,856, twice, plus the same decoder.
    func testTrainableCountsFromTheLayerWidths() throws {
        let vit = TrainableSummary(try ModelBuilder.scratch(.vitB, channels: 3, alignment: .zeroshot, strategy: IA3Tuning()))
        XCTAssertEqual(vit.trainable[.peft], 18_432 + 2_304)
        XCTAssertEqual(vit.trainableTotal, 20_736)
        let lite = TrainableSummary(try ModelBuilder.scratch(.liteMedSAM, channels: 3, alignment: .simcmf, strategy: IA3Tuning()))
        XCTAssertEqual(lite.trainable, [.alignment: 0, .encoder: 0, .peft: 2 * 1_856 + 2_304, .decoder: 0, .promptEncoder: 0])
        let sam = try SAMFixtures.model()
        var g = SeededGenerator(seed: 0)
        try IA3Tuning().install(into: sam, generator: &g)
        XCTAssertThrowsError(try LoRATuning().install(into: sam, generator: &g)) {
            XCTAssertEqual($0 as? FineTuningError, .alreadyInstalled(field: "image_encoder.blocks.0"))
        }
    }
}
