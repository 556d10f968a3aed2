import Foundation
import SimCMF
import XCTest
@testable import AIMS

/// `--protocol` with the older `--prompt`, and which split a run's model selection used.
final class EvaluationProtocolTests: XCTestCase {
    func testProtocolAndPromptResolveTogether() throws {
        let cases: [(EvaluationProtocol?, PromptKind?, EvaluationProtocol, PromptKind)] = [
            (nil, nil, .reference, .click), (nil, .click, .reference, .click), (nil, .box, .box, .box), (nil, .clickAndBox, .box, .clickAndBox),
            (.reference, nil, .reference, .click), (.clicks, nil, .clicks, .click), (.box, nil, .box, .box), (.box, .clickAndBox, .box, .clickAndBox),
            (.reference, .click, .reference, .click),
        ]
        for (named, prompt, protocolWanted, promptWanted) in cases {
            let (p, k) = try EvaluationProtocol.resolve(protocol: named, prompt: prompt)
            XCTAssertEqual(p, protocolWanted, "\(String(describing: named)), \(String(describing: prompt))")
            XCTAssertEqual(k, promptWanted, "\(String(describing: named)), \(String(describing: prompt))")
        }
        for (named, prompt) in [(EvaluationProtocol.clicks, PromptKind.click), (.clicks, .box), (.reference, .box), (.box, .click)] {
            XCTAssertThrowsError(try EvaluationProtocol.resolve(protocol: named, prompt: prompt)) { e in
                XCTAssertTrue((e as? RunOptionError)?.message.contains("--prompt \(prompt.optionName)") == true, "\(e)")
            }
        }
    }

    func testModelSelectionIsRecordedOrInferredFromOlderRecords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aims-selection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var record = RunRecord(modality: "m", plugin: nil, data: "/d", weights: "/w", modelFamily: "", alignment: "simcmf", strategy: "",
                               imageSize: 0, channels: 3, seed: 1, validationFraction: 0.2, normalization: "none", means: nil,
                               standardDeviations: nil, split: SampleSplit(training: ["a", "b"], validation: ["c"]), initialization: nil)
        XCTAssertEqual(ModelSelection.of(record).split, .val, "an older record without a manifest validated on its held-out share")
        record.split.validation = []
        XCTAssertEqual(ModelSelection.of(record).split, .noValidation)
        record.selectedOn = "test"
        let test = ModelSelection.of(record)
        XCTAssertEqual(test.split, .test); XCTAssertTrue(test.optimistic); XCTAssertTrue(test.note.contains("optimistic"))
        XCTAssertFalse(ModelSelection(.val).optimistic); XCTAssertFalse(ModelSelection(.noValidation).optimistic)
        // The JSON spells the splits as the option does.
        let json = String(decoding: try JSONEncoder().encode(ModelSelection(.noValidation)), as: UTF8.self)
        XCTAssertTrue(json.contains("\"split\":\"none\""), json)
    }
}
