import Foundation
import XCTest
@testable import SimCMF

/// The two public halves of a trainer step (`accumulateGradients`, `applyUpdate`), called by hand,
/// give the same bits as the step `Trainer.run` takes: the seam at which distributed training will
/// average gradients.
extension TrainerTests {
    func testGradientsThenUpdateByHandEqualOneTrainerStep() throws {
        let data = squares(4)
        var c = configuration(epochs: 1, batch: 4, micro: 2)
        c.referenceOrder = true
        let a = try model(), b = try model()
        let viaRun = try Trainer(model: a, configuration: c)
        let summaries = try viaRun.run(training: data)
        XCTAssertEqual(summaries.count, 1, "one epoch of one step")

        let byHand = try Trainer(model: b, configuration: c)
        let before = values(b)
        let loss = try byHand.accumulateGradients([0, 1, 2, 3], source: data)
        XCTAssert(b.trainableParameters.contains { $0.grad != nil }, "gradients are left on the trainable parameters")
        XCTAssertEqual(values(b), before, "computing gradients updates nothing")
        byHand.applyUpdate()

        XCTAssertEqual(loss, summaries[0].meanLoss, "the same loss, bit for bit")
        XCTAssertEqual(byHand.optimizer.learningRate, summaries[0].learningRate)
        XCTAssertEqual(byHand.generator, viaRun.generator, "the same draws")
        XCTAssertEqual(values(b), values(a), "the same parameters, bit for bit")
        XCTAssertNotEqual(values(b), before, "the update changed the parameters")
    }
}
