import XCTest
import Autodiff
@testable import SimCMF

/// The whole LiteMedSAM (real weights) on a real CT slice with a box prompt, against PyTorch's
/// `MedSAMLite.forward` on the same input (fixtures/tinyvit/litemedsam_e2e.safetensors): the
/// low-resolution logits agree and the masks (sigmoid > 0.5) overlap with IoU ≥ 0.999.
final class LiteMedSAMEndToEndTests: XCTestCase {
    func testMaskOnACTSliceMatchesPyTorch() throws {
        let model = try LiteMedSAM(contentsOf: try TinyViTFixtures.checkpointURL())
        let e2e = try TinyViTFixtures.archive("litemedsam_e2e.safetensors")
        let encoder = try TinyViTFixtures.archive("litemedsam_encoder.safetensors")
        let input = try TinyViTFixtures.tensor(encoder, "input")
        let box = try TinyViTFixtures.tensor(e2e, "box")
        let expectedLogits = try TinyViTFixtures.tensor(e2e, "low_res_logits")
        let expectedMask = try TinyViTFixtures.tensor(e2e, "mask")

        let logits = try withoutGradients {
            try model.segment(imageEmbeddings: try model.encodeImage(Variable(input)), prompts: SAMPrompts(boxes: box)).masks.value
        }
        XCTAssertEqual(logits.shape, [1, 1, 256, 256])
        assertClose(logits, expectedLogits, tolerance: 1e-4, "low-resolution logits")  // measured 5e-6

        // Mask = sigmoid(logit) > 0.5, i.e. logit > 0.
        var intersection = 0, union = 0
        logits.withUnsafeBufferPointer { l in expectedMask.withUnsafeBufferPointer { m in
            for i in 0..<l.count {
                let a = l[i] > 0, b = m[i] > 0
                if a && b { intersection += 1 }
                if a || b { union += 1 }
            }
        } }
        XCTAssertGreaterThan(union, 1000, "the fixture's mask covers the vertebral body (3618 pixels)")
        XCTAssertGreaterThanOrEqual(Double(intersection) / Double(union), 0.999, "IoU with PyTorch's mask")
    }
}
