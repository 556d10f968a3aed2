import Foundation
import Autodiff
import TensorCore
import TestComparisons
import XCTest
@testable import SimCMF

/// Gradients of a scalar loss through the whole tiny SAM against PyTorch autograd on the official code.
final class SAMGradientParityTests: XCTestCase {
    func testGradientsOfEveryParameterAndTheImageMatchPyTorch() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let grads = try SAMFixtures.archive("gradients.safetensors")
        let image = Variable(try ref.require("image"), requiresGrad: true)
        let emb = try model.encodeImage(image)
        let p0 = SAMPrompts(pointCoordinates: try ref.require("points0"), pointLabels: try ref.require("labels0"))
        let p1 = SAMPrompts(pointCoordinates: try ref.require("points1"), pointLabels: try ref.require("labels1"),
                            boxes: try ref.require("box1"), masks: try ref.require("mask1"))
        let p2 = SAMPrompts(boxes: try ref.require("boxes2").slice(axis: 0, 0..<1))
        let (l0, i0) = try model.decodeMasks(imageEmbeddings: emb.slice(axis: 0, 0..<1), prompts: p0, multimaskOutput: false)
        let (l1, i1) = try model.decodeMasks(imageEmbeddings: emb.slice(axis: 0, 1..<2), prompts: p1, multimaskOutput: true)
        let (l2, _) = try model.decodeMasks(imageEmbeddings: emb.slice(axis: 0, 1..<2), prompts: p2, multimaskOutput: false)
        func weighted(_ v: Variable, _ name: String) throws -> Variable { (v * Variable(try grads.require(name))).sum() }
        let loss = try weighted(l0, "R0") + weighted(l1, "R1") + weighted(l2, "R2") + weighted(i0, "r0") + weighted(i1, "r1")
        assertClose(loss.value.reshaped([1]), try grads.require("loss"), "loss")
        loss.backward()

        assertCloseToScale(try XCTUnwrap(image.grad), try grads.require("grad.image"), "d loss / d image")
        var checked = 0
        for p in model.parameters {
            let expected = try grads.require("grad." + p.name)
            let got = try XCTUnwrap(p.grad, "no gradient for \(p.name)")
            if p.name.hasSuffix("k_proj.bias") {
                // Adding a constant to every key shifts each query's scores uniformly, which softmax
                // cancels: this gradient is exactly zero in theory and rounding noise (~1e-8) in both.
                let zero = Tensor(shape: got.shape, repeating: 0)
                assertClose(got, zero, within: .absolute(1e-6), p.name)
                assertClose(expected, zero, within: .absolute(1e-6), "\(p.name), PyTorch's")
            } else {
                assertCloseToScale(got, expected, "d loss / d \(p.name)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 187, "every learned tensor (188 in the state dict minus the Gaussian buffer)")
        XCTAssertNil(model.buffers[0].grad, "the Gaussian matrix is a buffer")
    }

    func testInferenceRecordsNoGraph() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let (masks, iou) = try withoutGradients {
            try model(Variable(ref.require("image")), prompts: .clicks([(3, 4), (60, 61)]), multimaskOutput: true)
        }
        XCTAssertFalse(masks.requiresGrad)
        XCTAssertFalse(iou.requiresGrad)
        XCTAssertEqual(masks.shape, [2, 3, 32, 32])
        XCTAssertEqual(iou.shape, [2, 3])
    }
}
