import Foundation
import TestDatasets
import XCTest

/// `aims train --precision`: recorded in config.json, the checkpoints and the summary; kept on `--resume` (another
/// precision refused, naming the recorded one); reported by `aims eval --run`. Tiny SAM fixture, as
/// `TrainCommandTests`.
final class TrainPrecisionCommandTests: XCTestCase {
    private var dataset: BridgeDataset!
    private var folder: URL { dataset.root.deletingLastPathComponent() }
    private let tinySAM = AimsProcess.tinySAM

    override func setUpWithError() throws { dataset = try BridgeDataset.make() }
    override func tearDownWithError() throws { dataset.remove() }

    private func train(_ run: URL, _ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path, "--out", run.path,
                             "--weights", tinySAM, "--strategy", "lora", "--alignment", "simcmf", "--batch", "2", "--val-fraction", "0.34",
                             "--seed", "3", "--epochs", "1", "--json"] + extra)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func recordedPrecision(_ file: URL, _ path: [String]) throws -> String? {
        var o: Any? = try json(String(contentsOf: file, encoding: .utf8))
        for key in path { o = (o as? [String: Any])?[key] }
        return o as? String
    }

    func testBF16IsRecordedKeptOnResumeAndReported() throws {
        let fp32 = folder.appendingPathComponent("fp32"), bf16 = folder.appendingPathComponent("bf16")
        let a = try train(fp32, []), b = try train(bf16, ["--precision", "bf16"])
        XCTAssertEqual(a.status, 0, a.stderr); XCTAssertEqual(b.status, 0, b.stderr)
        let sa = try json(a.stdout), sb = try json(b.stdout)
        XCTAssertEqual(sa["precision"] as? String, "fp32"); XCTAssertEqual(sb["precision"] as? String, "bf16")
        XCTAssertTrue(b.stderr.contains("products in bf16"), b.stderr)
        XCTAssertEqual(try recordedPrecision(fp32.appendingPathComponent("config.json"), ["training", "precision"]), "fp32")
        XCTAssertEqual(try recordedPrecision(bf16.appendingPathComponent("config.json"), ["training", "precision"]), "bf16")
        XCTAssertEqual(try recordedPrecision(bf16.appendingPathComponent("checkpoints/last.json"), ["configuration", "precision"]), "bf16")
        // The same seed, data and model: only the products' rounding differs, so the losses do too.
        let la = try XCTUnwrap(sa["epochLosses"] as? [Double]), lb = try XCTUnwrap(sb["epochLosses"] as? [Double])
        XCTAssertNotEqual(la, lb, "bf16 products should change the losses")

        // Resuming as fp32 is refused, naming the recorded precision; without --precision the run continues in bf16.
        let refused = try AimsProcess.run(["train", "--out", bf16.path, "--resume", "--epochs", "2", "--precision", "fp32"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("--precision fp32: the run trains in bf16"), refused.stderr)
        let resumed = try AimsProcess.run(["train", "--out", bf16.path, "--resume", "--epochs", "2", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let r = try json(resumed.stdout)
        XCTAssertEqual(r["precision"] as? String, "bf16"); XCTAssertEqual(r["resumedFromEpoch"] as? Int, 1)
        let same = try AimsProcess.run(["train", "--out", bf16.path, "--resume", "--epochs", "3", "--precision", "bf16", "--json"])
        XCTAssertEqual(same.status, 0, same.stderr)

        // aims eval --run: the checkpoint's training precision, and the precision the evaluation ran in.
        for (args, ran) in [([String](), "fp32"), (["--precision", "bf16"], "bf16")] {
            let ev = try AimsProcess.run(["eval", "--run", bf16.path, "--json"] + args)
            XCTAssertEqual(ev.status, 0, ev.stderr)
            let e = try json(ev.stdout)
            XCTAssertEqual(e["trainingPrecision"] as? String, "bf16"); XCTAssertEqual(e["precision"] as? String, ran)
            XCTAssertTrue((e["model"] as? String)?.contains("trained with bf16 products") == true, "\(e)")
        }
        let ev32 = try json(try AimsProcess.run(["eval", "--run", fp32.path, "--json"]).stdout)
        XCTAssertEqual(ev32["trainingPrecision"] as? String, "fp32")
        XCTAssertFalse((ev32["model"] as? String)?.contains("trained with") ?? true, "\(ev32)")
    }
}
