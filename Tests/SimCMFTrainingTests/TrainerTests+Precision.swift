import Autodiff
import Foundation
import TensorCore
import XCTest
@testable import SimCMF

/// `TrainingConfiguration.precision`: the trainer runs its steps' products in it whatever the caller's scope, and a
/// checkpoint trained in one precision does not resume in the other.
extension TrainerTests {
    func grads(_ m: SAMModel) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: m.trainableParameters.map { ($0.name, $0.grad?.scalars ?? []) })
    }

    /// Truth: the same step written out by hand (forward, DiceCE, backward) inside a `.bf16` scope; and an fp32
    /// configuration is not overridden by the caller's scope.
    func testTheConfigurationsPrecisionRunsTheStep() throws {
        let data = squares(2)
        var c = configuration(epochs: 1, batch: 2)
        let m = try model()
        _ = try Trainer(model: m, configuration: c).accumulateGradients([0, 1], source: data)
        let fp32 = grads(m)
        _ = try Precision.$current.withValue(.bf16) { try Trainer(model: m, configuration: c).accumulateGradients([0, 1], source: data) }
        XCTAssertEqual(grads(m), fp32, "an fp32 run ignores the caller's bf16 scope")
        // The step by hand, with the draws of a trainer of the same seed.
        let examples = try [0, 1].map { try data.validated($0, for: m) }
        let draws = try Trainer(model: m, configuration: c)
        let objects = try examples.map { try XCTUnwrap(draws.sampleObject($0)) }
        let side = m.maskSize
        try Precision.$current.withValue(.bf16) {
            m.setTraining(true)
            defer { m.setTraining(false) }
            m.zeroGrad()
            let logits = try m.decode(embeddings: try m.embed(Variable(Tensor.stack(examples.map(\.image)))), prompts: objects.samPrompts(kind: .click))
            let targets = examples.indices.map { examples[$0].label.resizedNearest(height: side, width: side).mask(of: objects[$0].region) }
            Loss.diceCE(logits, target: Tensor.stack(targets).reshaped([2, 1, side, side])).backward()
        }
        let byHand = grads(m)
        c.precision = .bf16
        _ = try Trainer(model: m, configuration: c).accumulateGradients([0, 1], source: data)
        XCTAssertNotEqual(byHand, fp32, "bf16 products change the gradients")
        XCTAssertEqual(grads(m), byHand, "a bf16 trainer's step is the step in a bf16 scope, bit for bit")
    }

    func testACheckpointKeepsItsPrecision() throws {
        let dir = try tmp()
        var c = configuration(epochs: 1, batch: 2)
        c.precision = .bf16
        try Trainer(model: try model(), configuration: c, runFolder: dir).run(training: squares(2))
        c.precision = .fp32
        XCTAssertThrowsError(try Trainer(model: try model(), configuration: c, runFolder: dir).resume()) {
            let text = ($0 as? TrainingError)?.errorDescription ?? "\($0)"
            XCTAssertTrue(text.contains("configuration.precision") && text.contains("trained in bf16"), text)
        }
        c.precision = nil   // a configuration saved before the field: fp32, also refused
        XCTAssertThrowsError(try Trainer(model: try model(), configuration: c, runFolder: dir).resume())
        c.precision = .bf16
        XCTAssertTrue(try Trainer(model: try model(), configuration: c, runFolder: dir).resume())
    }
}
