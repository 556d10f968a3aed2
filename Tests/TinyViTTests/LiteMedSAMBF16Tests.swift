import XCTest
import Autodiff
import TensorCore
@testable import SimCMF

/// LiteMedSAM (real weights) in `Precision.bf16` against itself in fp32, on the CT slice and box of the
/// end-to-end fixture (fixtures/tinyvit/litemedsam_e2e.safetensors, whose fp32 result matches PyTorch's):
/// the masks (logit > 0) overlap as well as PyTorch's own bf16 autocast's do with its fp32 mask, and the
/// predicted IoU agrees within 1e-2 (docs/PERFORMANCE.md, "bf16"). `scripts/bf16_autocast_iou.py` measured
/// `torch.autocast("cpu", dtype=torch.bfloat16)` on this input at mask IoU 0.98015 with fp32 (predicted IoU
/// 0.90234 vs 0.90798): 8-bit operands move ~70 of the slice's 3618 border pixels either way, so the
/// bound is autocast's 0.98, not the 0.99 one might wish for (aims measured 0.9804 with attention's products in
/// fp32, 0.9807 with them in bf16 as autocast runs them; predicted IoU 0.9069).
final class LiteMedSAMBF16Tests: XCTestCase {
    func testBF16MaskAndPredictedIoUMatchFP32() throws {
        let model = try LiteMedSAM(contentsOf: try TinyViTFixtures.checkpointURL())
        let e2e = try TinyViTFixtures.archive("litemedsam_e2e.safetensors")
        let encoder = try TinyViTFixtures.archive("litemedsam_encoder.safetensors")
        let input = try TinyViTFixtures.tensor(encoder, "input")
        let box = try TinyViTFixtures.tensor(e2e, "box")
        func run() throws -> (logits: [Float], iou: [Float]) {
            try withoutGradients {
                let (masks, iou) = try model.segment(imageEmbeddings: try model.encodeImage(Variable(input)), prompts: SAMPrompts(boxes: box))
                return (masks.value.scalars, iou.value.scalars)
            }
        }
        let fp32 = try run()
        let bf16 = try Precision.$current.withValue(.bf16) { try run() }
        XCTAssertNotEqual(fp32.logits, bf16.logits, "bf16 should change the logits: its products did not run")
        var intersection = 0, union = 0
        for (a, b) in zip(fp32.logits, bf16.logits) {
            if a > 0 && b > 0 { intersection += 1 }
            if a > 0 || b > 0 { union += 1 }
        }
        XCTAssertGreaterThan(union, 1000, "the mask covers the vertebral body (3618 pixels)")
        XCTAssertGreaterThanOrEqual(Double(intersection) / Double(union), 0.98, "IoU of the bf16 mask with fp32's (autocast: 0.98015)")
        XCTAssertEqual(fp32.iou.count, bf16.iou.count)
        for (a, b) in zip(fp32.iou, bf16.iou) { XCTAssertEqual(a, b, accuracy: 1e-2, "predicted IoU") }
        print(String(format: "LiteMedSAM bf16 vs fp32: mask IoU %.5f, predicted IoU %.5f vs %.5f", Double(intersection) / Double(union),
                     bf16.iou[0], fp32.iou[0]))
    }
}
