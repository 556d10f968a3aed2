import Tensor
import XCTest
@testable import SimCMF

/// PyTorch truth (fixtures/simcmf/step_*.safetensors): for each strategy, the simcmf projector (C = 4) on the
/// small SAM, one forward with two clicks, Dice+CE against a fixed target, `backward`, one Adam step (lr 1e-3).
/// The set of trainable tensors must equal the reference's (`set_trainable_params`) and every updated
/// tensor must match within 1e-4 relative.
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
        Adam(model.trainableParameters, learningRate: 1e-3).step()
        for name in steps {
            let p = try XCTUnwrap(byName[name], file: file, line: line)
            assertClose(p.value, try a.require("step." + name), tol: 1e-4, "\(key): \(name) after one Adam step", file: file, line: line)
        }
    }

    func testFullFineTuningStep() throws { try check("full") }
    func testLinearProbingStep() throws { try check("linear") }
    func testLoRAStep() throws { try check("lora") }
    func testMLPAdapterStep() throws { try check("adapter") }
    func testVisualPromptStep() throws { try check("prompt") }
    func testPrefixStep() throws { try check("prefix") }
}
