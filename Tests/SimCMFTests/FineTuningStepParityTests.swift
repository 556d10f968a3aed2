import Autodiff
import TestComparisons
import XCTest
@testable import SimCMF

/// PyTorch truth (fixtures/simcmf/step_*.safetensors and grad_*.safetensors): for each strategy, the simcmf
/// projector (C = 4) on the small SAM, one forward with two clicks, Dice+CE against a fixed target,
/// `backward`, one Adam step (lr 1e-3). The set of trainable tensors must equal the reference's
/// (`set_trainable_params`); every trainable tensor's gradient must match PyTorch's in magnitude (the step
/// alone would not show it: Adam's first step from a zero state is ≈ lr · sign(g)), and every updated
/// tensor must match within 1e-4 relative.
///
/// Gradient tolerance: `max|g − g_ref| ≤ 1e-3 · max|g_ref|` per tensor (`assertCloseToScale`), as for the
/// plain SAM's gradients (SAMGradientParityTests). Both sides run float32 with different summation orders;
/// the measured worst ratio over all six strategies is 2.9e-5 (lora; the others 1.7e-5 to 2.8e-5), so 1e-3
/// leaves a 30× margin while a gradient scaled by 1.01 (ratio 1e-2) fails — which the step check alone misses.
final class FineTuningStepParityTests: XCTestCase {
    private func check(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try SimCMFFixtures.archive("step_\(key).safetensors")
        let inputs = try SimCMFFixtures.archive("alignment.safetensors")
        let strategy = try XCTUnwrap(SimCMFFixtures.strategies[key])
        let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: SimCMFFixtures.channels, strategy: strategy, seed: 5)

        // The reference's initial projector / PEFT values (its RNG differs from ours).
        let initial = a.names.filter { $0.hasPrefix("init.") }
        let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0) })
        for n in initial {
            let name = String(n.dropFirst(5))
            let p = try XCTUnwrap(byName[name], "\(key): Swift has no parameter \(name)", file: file, line: line)
            let t = try a.require(n)
            XCTAssertEqual(p.value.shape, t.shape, "\(key): \(name) shape", file: file, line: line)
            p.value = t
        }
        let official = Set(try SAMFixtures.model().parameters.map(\.name))
        let added = model.parameters.filter { !official.contains($0.name) }
        XCTAssertEqual(Set(added.map(\.name)), Set(initial.map { String($0.dropFirst(5)) }), "\(key): added tensors", file: file, line: line)

        // Trainable set.
        let steps = a.names.filter { $0.hasPrefix("step.") }.map { String($0.dropFirst(5)) }
        XCTAssertEqual(Set(model.trainableParameters.map(\.name)), Set(steps), "\(key): trainable tensors", file: file, line: line)

        let logits = try model(Variable(try inputs.require("image")), prompts: SimCMFFixtures.prompts(inputs))
        assertClose(logits.value, try a.require("logits"), tol: 1e-4, "\(key): logits", file: file, line: line)
        let loss = Loss.diceCE(logits, target: try inputs.require("target"))
        assertClose(loss.value.reshaped([1]), try a.require("loss"), tol: 1e-5, "\(key): loss", file: file, line: line)
        loss.backward()
        try checkGradients(key, steps: steps, byName: byName, file: file, line: line)
        Adam(model.trainableParameters, learningRate: 1e-3).step()
        for name in steps {
            let p = try XCTUnwrap(byName[name], file: file, line: line)
            assertClose(p.value, try a.require("step." + name), tol: 1e-4, "\(key): \(name) after one Adam step", file: file, line: line)
        }
    }

    /// Every trainable tensor's gradient (before the step) against the fixture's `grad.<name>`.
    private func checkGradients(_ key: String, steps: [String], byName: [String: Parameter],
                                file: StaticString, line: UInt) throws {
        let grads = try SimCMFFixtures.archive("grad_\(key).safetensors")
        let reached = Set(grads.names.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
        XCTAssertTrue(reached.isSubset(of: Set(steps)), "\(key): gradients of untrainable tensors \(reached.subtracting(steps).sorted())",
                      file: file, line: line)
        XCTAssertGreaterThan(reached.count, steps.count / 2, "\(key): the loss reaches most trainable tensors", file: file, line: line)
        for name in steps {
            let p = try XCTUnwrap(byName[name], file: file, line: line)
            guard let expected = grads["grad." + name] else {
                // PyTorch leaves no gradient (the IoU head is not in the loss): none, or zeros, in Swift.
                XCTAssertTrue(p.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true, "\(key): \(name) has a gradient PyTorch has not",
                              file: file, line: line)
                continue
            }
            let got = try XCTUnwrap(p.grad, "\(key): no gradient for \(name)", file: file, line: line)
            XCTAssertTrue(got.scalars.allSatisfy(\.isFinite), "\(key): non-finite gradient of \(name)", file: file, line: line)
            if name.hasSuffix("k_proj.bias") {
                // A bias added to every key shifts each query's scores by one constant, which softmax cancels:
                // exactly zero in exact arithmetic, rounding noise on both sides. It must be negligible beside
                // the same attention's v_proj.bias gradient.
                let vName = String(name.dropLast("k_proj.bias".count)) + "v_proj.bias"
                let vScale = try largestMagnitude(XCTUnwrap(grads["grad." + vName], vName, file: file, line: line))
                XCTAssertLessThanOrEqual(try largestMagnitude(got), 1e-4 * vScale, "\(key): \(name) (Swift)", file: file, line: line)
                XCTAssertLessThanOrEqual(try largestMagnitude(expected), 1e-4 * vScale, "\(key): \(name) (PyTorch)", file: file, line: line)
                continue
            }
            assertCloseToScale(got, expected, tol: 1e-3, "\(key): d loss / d \(name)", file: file, line: line)
            if ProcessInfo.processInfo.environment["GRADIENT_VERBOSE"] == "1" {
                print("\(key) \(name): max|Δg| / max|g_ref| = \(relativeMaxError(got, expected))")
            }
        }
    }

    func testFullFineTuningStep() throws { try check("full") }
    func testLinearProbingStep() throws { try check("linear") }
    func testLoRAStep() throws { try check("lora") }
    func testMLPAdapterStep() throws { try check("adapter") }
    func testVisualPromptStep() throws { try check("prompt") }
    func testPrefixStep() throws { try check("prefix") }
}
