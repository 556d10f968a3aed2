import Foundation
import XCTest
import Autodiff
import TensorCore
import TestComparisons
import SimCMF

/// The small seeded TinyViT (`TinyViTConfiguration.testTiny`, batch 2, 64×64 input) against PyTorch's
/// autograd (fixtures/tinyvit/tiny_{eval,train}.safetensors): outputs to 1e-4 and gradients of
/// `sum(out · r)` w.r.t. every parameter and the input to 1e-3 (max-norm relative error).
final class TinyViTGradientTests: XCTestCase {
    func makeTiny() throws -> TinyViT {
        var g = SeededGenerator(seed: 7)
        let model = try TinyViT(configuration: .testTiny, generator: &g)
        try model.load(try TinyViTFixtures.archive("tiny_weights.safetensors"))
        return model
    }

    /// Runs `mode`, compares the output, every parameter gradient and the input gradient with `fixture`.
    func check(mode: BatchNormMode, fixture name: String, file: StaticString = #filePath, line: UInt = #line) throws -> TinyViT {
        let ref = try TinyViTFixtures.archive(name)
        let model = try makeTiny()
        model.batchNormMode = mode
        let x = Variable(try TinyViTFixtures.tensor(ref, "input"), requiresGrad: true)
        let out = model(x)
        XCTAssertEqual(out.shape, [2, 16, 16, 16], file: file, line: line)
        assertClose(out.value, try TinyViTFixtures.tensor(ref, "out"), tolerance: 1e-4, "\(mode) output", file: file, line: line)
        let loss = (out * Variable(try TinyViTFixtures.tensor(ref, "r"))).sum()
        loss.backward()
        assertClose(try XCTUnwrap(x.grad), try TinyViTFixtures.tensor(ref, "grad_input"), tolerance: 1e-3, "\(mode) input gradient",
                    file: file, line: line)
        let gradNames = Set(ref.names.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
        XCTAssertEqual(gradNames, Set(model.parameters.map(\.name)), "every PyTorch parameter and no other", file: file, line: line)
        // Scale floor: 1e-3 · the largest gradient entry of any parameter. In train mode the gradient of
        // an fc2.bias feeding PatchMerging's batch-normalised 1×1 conv is exactly 0 in exact arithmetic
        // (a per-channel shift that BatchNorm removes); both sides hold rounding noise (~1e-5 vs ~1e3).
        let largest = try model.parameters.map { try TinyViTFixtures.tensor(ref, "grad." + $0.name).scalars.map { abs(Double($0)) }.max() ?? 0 }.max() ?? 0
        for p in model.parameters {
            let expected = try TinyViTFixtures.tensor(ref, "grad." + p.name)
            assertClose(try XCTUnwrap(p.grad, p.name), expected, tolerance: 1e-3, floor: 1e-3 * largest, "\(mode) gradient of \(p.name)",
                        file: file, line: line)
        }
        return model
    }

    func testEvaluationOutputAndGradientsMatchAutograd() throws {
        _ = try check(mode: .evaluation, fixture: "tiny_eval.safetensors")
    }

    /// Folding BatchNorm into the convs is the same function with the same gradients.
    func testFoldedEvaluationOutputAndGradientsMatchAutograd() throws {
        _ = try check(mode: .evaluationFolded, fixture: "tiny_eval.safetensors")
    }

    /// Train mode: batch statistics, and the running statistics updated as PyTorch updates them.
    func testTrainingOutputGradientsAndRunningStatisticsMatchAutograd() throws {
        let model = try check(mode: .training, fixture: "tiny_train.safetensors")
        let ref = try TinyViTFixtures.archive("tiny_train.safetensors")
        let before = try TinyViTFixtures.archive("tiny_weights.safetensors")
        XCTAssertEqual(model.buffers.count, 2 * 22, "22 Conv2d_BN in the tiny model")
        for b in model.buffers {
            let expected = try TinyViTFixtures.tensor(ref, "after." + b.name)
            assertClose(b.value, expected, tolerance: 1e-4, "running statistic \(b.name)")
            XCTAssertGreaterThan(relativeMaxError(try TinyViTFixtures.tensor(before, b.name), expected), 1e-3,
                                 "\(b.name) must have moved in the step (else this check is vacuous)")
        }
        // Training and evaluation differ on this model (the BatchNorm statistics matter).
        let eval = try TinyViTFixtures.archive("tiny_eval.safetensors")
        XCTAssertGreaterThan(relativeMaxError(try TinyViTFixtures.tensor(ref, "out"), try TinyViTFixtures.tensor(eval, "out")), 1e-2)
    }

    /// Frozen parameters get no gradient; the others still match.
    func testFrozenParametersGetNoGradient() throws {
        let ref = try TinyViTFixtures.archive("tiny_eval.safetensors")
        let model = try makeTiny()
        model.batchNormMode = .evaluation
        for p in model.parameters where !p.name.contains("neck") { p.trainable = false }
        let out = model(Variable(try TinyViTFixtures.tensor(ref, "input")))
        (out * Variable(try TinyViTFixtures.tensor(ref, "r"))).sum().backward()
        for p in model.parameters {
            if p.trainable {
                assertClose(try XCTUnwrap(p.grad, p.name), try TinyViTFixtures.tensor(ref, "grad." + p.name), tolerance: 1e-3, p.name)
            } else {
                XCTAssertNil(p.grad, p.name)
            }
        }
    }
}
