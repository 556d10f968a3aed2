import Foundation
import XCTest
@testable import SimCMF

/// `validatesAfterLastEpoch`: the final weights are scored once more after the last epoch.
extension TrainerTests {
    func testTheLastEpochsTrainingIsScoredAndEqualsAnIndependentEvaluation() throws {
        let helper = self
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-final-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try helper.model()
        var c = helper.configuration(epochs: 3, batch: 2)
        c.validatesAfterLastEpoch = true
        let data = helper.squares(4), val = helper.squares(3)
        let trainer = try Trainer(model: model, configuration: c, runFolder: dir)
        let summaries = try trainer.run(training: data, validation: val)
        XCTAssertEqual(summaries.count, 3)
        let final = try XCTUnwrap(trainer.finalValidation)
        // The independent truth: the evaluator on the weights the run ended with.
        let (direct, _) = try Evaluator(options: c.evaluation).evaluate(model, on: val)
        XCTAssertEqual(final.mIoU, direct.mIoU)
        XCTAssertEqual(final.regionCount, direct.regionCount)
        let kinds = try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }.map { "\($0["kind"]!)\($0["epoch"]!)" }
        // Interval 2 over 3 epochs: before 0 and 2 (the last), then after the last as "before epoch 3".
        XCTAssertEqual(kinds, ["validation0", "train0", "train1", "validation2", "train2", "validation3"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("validation/epoch-3.csv").path))
        if trainer.bestEpoch == 3 { XCTAssertEqual(trainer.bestMIoU, final.mIoU) }

        // Off (the default, as the reference): no validation after the last epoch.
        let plain = try Trainer(model: try helper.model(), configuration: helper.configuration(epochs: 3, batch: 2))
        _ = try plain.run(training: data, validation: val)
        XCTAssertNil(plain.finalValidation)
        // Older configurations without the key still decode.
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(helper.configuration(epochs: 3))) as! [String: Any]
        json["validatesAfterLastEpoch"] = nil
        let decoded = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(decoded.validatesAfterLastEpoch)
    }
}
