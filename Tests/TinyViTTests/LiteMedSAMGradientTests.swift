import XCTest
import Autodiff
import TensorCore
@testable import SimCMF

/// The gradients of the whole LiteMedSAM (real weights, eval-mode BatchNorm) against PyTorch
/// autograd: loss = Σ low_res_logits · r on the CT slice and box of the end-to-end fixture
/// (scripts/make_litemedsam_grad_fixtures.py). Per parameter tensor the fixture keeps the sum, the
/// sum of squares and the first 8 values of its gradient.
final class LiteMedSAMGradientTests: XCTestCase {
    func testEveryGradientMatchesPyTorch() throws {
        let model = try LiteMedSAM(contentsOf: try TinyViTFixtures.checkpointURL())
        let fixture = try TinyViTFixtures.archive("litemedsam_grad.safetensors")
        let encoder = try TinyViTFixtures.archive("litemedsam_encoder.safetensors")
        let e2e = try TinyViTFixtures.archive("litemedsam_e2e.safetensors")
        let input = Variable(try TinyViTFixtures.tensor(encoder, "input"), requiresGrad: true)
        let r = try TinyViTFixtures.tensor(fixture, "r")

        let (logits, _) = try model.segment(imageEmbeddings: try model.encodeImage(input),
                                            prompts: SAMPrompts(boxes: try TinyViTFixtures.tensor(e2e, "box")))
        let loss = (logits * Variable(r)).sum()
        let expectedLoss = Double(try TinyViTFixtures.tensor(fixture, "loss").scalars[0])
        XCTAssertEqual(Double(loss.value.scalars[0]), expectedLoss, accuracy: 1e-4 * abs(expectedLoss))
        loss.backward()

        var gradients: [(String, Tensor?)] = model.parameters.map { ($0.name, $0.grad) }
        gradients.append(("input", input.grad))
        var compared = 0
        for (name, grad) in gradients {
            guard let sum = fixture["sum." + name] else {
                // PyTorch gives no gradient here: unused prompt paths, and TinyViT's attention_biases,
                // which PyTorch's eval mode reads through a cached copy (aims lets gradients reach them).
                XCTAssertTrue(grad == nil || name.hasSuffix("attention_biases") || grad!.scalars.allSatisfy { $0 == 0 },
                              "\(name): aims has a gradient PyTorch does not")
                continue
            }
            let g = try XCTUnwrap(grad, "\(name): PyTorch has a gradient, aims none")
            let values = g.scalars.map(Double.init)
            let n = Double(values.count)
            let expectedSumSq = Double(try XCTUnwrap(fixture["sumsq." + name]).scalars[0])
            if name.hasSuffix("k_proj.bias") {
                // Exactly zero in exact arithmetic: a bias added to every key shifts each query's scores
                // by one constant, which softmax cancels. Both sides hold rounding noise only, which must
                // be negligible beside the same attention's v_proj.bias gradient.
                let vName = String(name.dropLast("k_proj.bias".count)) + "v_proj.bias"
                let vScale = (Double(try XCTUnwrap(fixture["sumsq." + vName]).scalars[0]) / n).squareRoot()
                XCTAssertLessThan((values.reduce(0) { $0 + $1 * $1 } / n).squareRoot(), 1e-4 * vScale, "\(name) (aims)")
                XCTAssertLessThan((expectedSumSq / n).squareRoot(), 1e-4 * vScale, "\(name) (PyTorch)")
                compared += 1
                continue
            }
            let sumSq = values.reduce(0) { $0 + $1 * $1 }
            XCTAssertEqual(sumSq, expectedSumSq, accuracy: 2e-3 * expectedSumSq + 1e-30, "\(name): Σ g²")
            // The sum may cancel; its scale is that of Σ|g| ≤ √(n Σ g²).
            let scale = (n * expectedSumSq).squareRoot()
            XCTAssertEqual(values.reduce(0, +), Double(sum.scalars[0]), accuracy: 1e-3 * scale + 1e-30, "\(name): Σ g")
            let rms = (expectedSumSq / n).squareRoot()
            for (k, e) in try XCTUnwrap(fixture["head." + name]).scalars.enumerated() {
                XCTAssertEqual(values[k], Double(e), accuracy: 1e-3 * max(abs(Double(e)), rms) + 1e-30, "\(name)[\(k)]")
            }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 300, "most of LiteMedSAM's 400+ parameter tensors receive a gradient")
    }
}
