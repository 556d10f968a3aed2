import Foundation
import SimCMF
import XCTest

/// `aims demo` end to end on a tiny setting (8 scenes, 1 epoch): every number it reports must be the
/// one its steps wrote (per-region CSVs, run configs), and the report must show them.
final class DemoCommandTests: XCTestCase {
    struct Results: Decodable {
        struct Interval: Decodable { var lower: Double; var upper: Double }
        struct Clicks: Decodable { var curve: [Double] }
        struct Test: Decodable { var mIoU: Double; var mDice: Double; var regions: Int; var images: Int; var mIoUInterval: Interval?; var clicks: Clicks? }
        struct Method: Decodable { var name: String; var trainableValues: Int; var test: Test }
        var methods: [Method]
        var context: [Method]
        var simcmfBeatsBaselines: Bool
        var verdict: String
        var report: String
        var trainingImages: Int
    }

    /// Mean of the `iou` column of an `aims eval --csv` file: the protocol's mIoU over regions.
    func meanIoU(_ csv: URL) throws -> (mean: Double, regions: Int) {
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let column = try XCTUnwrap(header.firstIndex(of: "iou"))
        let values = lines.dropFirst().map { Double($0.split(separator: ",")[column])! }
        return (values.reduce(0, +) / Double(values.count), values.count)
    }

    /// Mean of column `name` of a CSV file.
    func meanColumn(_ csv: URL, _ name: String) throws -> Double {
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        let column = try XCTUnwrap(lines[0].split(separator: ",").map(String.init).firstIndex(of: name))
        let values = lines.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[column])! }
        return values.reduce(0, +) / Double(values.count)
    }

    func testDemoReportsTheNumbersItsStepsWrote() throws {
        _ = try TestWeights.liteMedSAM
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aims-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try AimsProcess.run(["demo", "--out", out.path, "--scenes", "8", "--epochs", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let results = try JSONDecoder().decode(Results.self, from: Data(r.stdout.utf8))
        // stdout and results.json are the same document.
        let saved = try JSONDecoder().decode(Results.self, from: Data(contentsOf: out.appendingPathComponent("results.json")))
        XCTAssertEqual(saved.methods.map(\.test.mIoU), results.methods.map(\.test.mIoU))
        XCTAssertEqual(results.methods.map(\.name), ["zero-shot", "from scratch", "SimCMF + LoRA"])

        XCTAssertEqual(results.context.map(\.name), ["zero-shot, box prompt"])
        let folders = ["zero-shot": "zero-shot", "from scratch": "from-scratch", "SimCMF + LoRA": "simcmf-lora",
                       "zero-shot, box prompt": "zero-shot-box"]
        let html = try String(contentsOf: URL(fileURLWithPath: results.report), encoding: .utf8)
        for m in results.methods + results.context {
            let folder = folders[m.name]!
            // The table's mIoU is the mean of the per-region IoUs the eval step wrote.
            let truth = try meanIoU(out.appendingPathComponent("eval/\(folder)/regions.csv"))
            XCTAssertEqual(m.test.mIoU, truth.mean, accuracy: 1e-9, m.name)
            XCTAssertEqual(m.test.regions, truth.regions, m.name)
            XCTAssertTrue(html.contains(String(format: "<b>%.4f</b>", m.test.mIoU)), m.name)
            if !m.name.hasPrefix("zero-shot") {
                // The trainable count is the run's own record.
                let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("runs/\(folder)/config.json"))) as! [String: Any]
                XCTAssertEqual(m.trainableValues, config["trainableValues"] as? Int, m.name)
                XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("runs/\(folder)/metrics.jsonl").path))
            } else {
                XCTAssertEqual(m.trainableValues, 0)
            }
            let overlays = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("eval/\(folder)/overlays").path)
                .filter { $0.hasSuffix(".png") }
            XCTAssertEqual(overlays.count, m.test.images, m.name)
            for o in overlays.sorted().prefix(6) { XCTAssertTrue(html.contains("eval/\(folder)/overlays/\(o)"), o) }
        }
        // The verdict follows from the numbers.
        let simcmf = results.methods[2].test.mIoU
        XCTAssertEqual(results.simcmfBeatsBaselines, simcmf > results.methods[0].test.mIoU && simcmf > results.methods[1].test.mIoU)
        XCTAssertTrue(html.contains(results.verdict.replacingOccurrences(of: "&", with: "&amp;")))
        // Loss, validation mIoU, and the clicks-to-IoU curve of the clicks protocol.
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3)
        XCTAssertTrue(html.contains("Clicks to IoU"))
        for m in results.methods {
            // The clicks protocol ran with the demo's budget (5 clicks), and its table holds the CSV's mean after 1 click.
            let c = try XCTUnwrap(m.test.clicks, m.name)
            XCTAssertEqual(c.curve.count, 5, m.name)
            let first = try meanColumn(out.appendingPathComponent("eval/\(folders[m.name]!)/clicks.csv"), "iou_1")
            XCTAssertEqual(c.curve[0], first, accuracy: 1e-9, m.name)
            XCTAssertTrue(html.contains(String(format: "<td>%.4f [", c.curve[0])), m.name)
            let ci = try XCTUnwrap(m.test.mIoUInterval, m.name)
            XCTAssertTrue(ci.lower <= m.test.mIoU && m.test.mIoU <= ci.upper, m.name)
        }
        XCTAssertNil(results.context[0].test.clicks, "the box row is not run under the clicks protocol")

        // A second run into the same folder is refused without --force, and nothing is touched.
        let again = try AimsProcess.run(["demo", "--out", out.path, "--scenes", "8", "--epochs", "1"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.json").path))
    }
}
