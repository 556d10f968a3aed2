import Foundation
import TestDatasets
import XCTest

/// `aims eval --protocol reference|clicks|box` end to end on the tiny four-channel dataset: the clicks protocol's
/// JSON is consistent with itself and with its per-object CSV (NoC within bounds, one curve point per click, every
/// interval around its mean), box equals the older `--prompt box`, and the options that do not go together are
/// usage errors. IoU after k clicks need not grow with k, so nothing here assumes it does.
final class EvalProtocolCommandTests: XCTestCase {
    private var dataset: BridgeDataset!
    private let tinySAM = AimsProcess.tinySAM

    override func setUpWithError() throws { dataset = try BridgeDataset.make() }
    override func tearDownWithError() throws { dataset.remove() }

    private func eval(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try AimsProcess.run(["eval", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path] + extra)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    /// Lower ≤ mean ≤ upper, and the interval's mean is `value`.
    private func assertInterval(_ interval: Any?, around value: Double, images: Int, _ what: String) throws {
        let i = try XCTUnwrap(interval as? [String: Any], what)
        let (lo, hi, mean) = (try XCTUnwrap(i["lower"] as? Double), try XCTUnwrap(i["upper"] as? Double), try XCTUnwrap(i["mean"] as? Double))
        XCTAssertEqual(mean, value, accuracy: 1e-12, what)
        XCTAssertTrue(lo <= mean && mean <= hi, "\(what): \(lo) <= \(mean) <= \(hi)")
        XCTAssertEqual(i["images"] as? Int, images, what); XCTAssertEqual(i["resamples"] as? Int, 1000, what)
        XCTAssertEqual(i["level"] as? Double, 0.95, what)
    }

    func testClicksProtocolOnLiteMedSAM() throws {
        let weights = try TestWeights.liteMedSAM
        let csv = dataset.root.deletingLastPathComponent().appendingPathComponent("clicks.csv")
        let r = try eval(["--protocol", "clicks", "--weights", weights.path, "--csv", csv.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try json(r.stdout)
        XCTAssertEqual(s["protocol"] as? String, "clicks"); XCTAssertEqual(s["prompt"] as? String, "click")
        let regions = try XCTUnwrap(s["regions"] as? Int), images = try XCTUnwrap(s["images"] as? Int)
        XCTAssertEqual(images, 6); XCTAssertEqual(regions, 6)
        let i = try XCTUnwrap(s["interactive"] as? [String: Any])
        XCTAssertEqual(i["maxClicks"] as? Int, 20)
        XCTAssertEqual(i["maskPrompt"] as? Bool, true, "LiteMedSAM takes the previous mask as prompt")
        let curve = try XCTUnwrap(i["curve"] as? [Double])
        XCTAssertEqual(curve.count, 20)
        XCTAssertTrue(curve.allSatisfy { (0...1).contains($0) }, "\(curve)")
        let noc85 = try XCTUnwrap(i["noc85"] as? Double), noc90 = try XCTUnwrap(i["noc90"] as? Double)
        XCTAssertTrue((1...20).contains(noc85) && (1...20).contains(noc90), "\(noc85), \(noc90)")
        XCTAssertLessThanOrEqual(noc85, noc90, "reaching 0.90 reaches 0.85 no later")
        let (missed85, missed90) = (try XCTUnwrap(i["notReached85"] as? Int), try XCTUnwrap(i["notReached90"] as? Int))
        XCTAssertTrue(0 <= missed85 && missed85 <= missed90 && missed90 <= regions)
        // Objects that never reach a threshold count K each, so the mean is at least K · their share.
        XCTAssertGreaterThanOrEqual(noc90, 20 * Double(missed90) / Double(regions))
        let after = try XCTUnwrap(i["afterClicks"] as? [[String: Any]])
        XCTAssertEqual(after.compactMap { $0["clicks"] as? Int }, [1, 3, 5])
        for p in after {
            let k = p["clicks"] as! Int, m = try XCTUnwrap(p["mIoU"] as? Double)
            XCTAssertEqual(m, curve[k - 1], accuracy: 1e-12)
            try assertInterval(p["interval"], around: m, images: images, "after \(k) clicks")
        }
        // The headline mIoU is the first click's, with its interval.
        XCTAssertEqual(try XCTUnwrap(s["mIoU"] as? Double), curve[0], accuracy: 1e-12)
        try assertInterval(s["mIoUInterval"], around: curve[0], images: images, "mIoU")

        // The per-object CSV: NoC and the IoU after each click; its columns average to the JSON's figures.
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.count, regions + 1)
        XCTAssertEqual(rows[0].count, 7 + 20); XCTAssertEqual(rows[0][4], "noc85"); XCTAssertEqual(rows[0][7], "iou_1")
        for k in 1...20 {
            let column = rows.dropFirst().map { Double($0[6 + k])! }
            XCTAssertEqual(column.reduce(0, +) / Double(regions), curve[k - 1], accuracy: 1e-9, "iou_\(k)")
        }
        XCTAssertEqual(rows.dropFirst().map { Double($0[4])! }.reduce(0, +) / Double(regions), noc85, accuracy: 1e-9)
        for row in rows.dropFirst() {
            let clicks = row[6].split(separator: " ")
            XCTAssertTrue((1...20).contains(clicks.count), "\(row)")
            XCTAssertTrue(clicks[0].hasPrefix("+"), "the first click is positive: \(row)")
        }

        // The text report names the metrics.
        let text = try eval(["--protocol", "clicks", "--clicks", "2", "--weights", weights.path])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("NoC@85") && text.stdout.contains("95% CI") && text.stdout.contains("mask prompt"), text.stdout)
    }

    func testProtocolsOnTheTinySAMAndTheirUsageErrors() throws {
        // Reference (the default): the JSON gains its protocol and interval, nothing else changes.
        let reference = try json(try eval(["--weights", tinySAM, "--json"]).stdout)
        XCTAssertEqual(reference["protocol"] as? String, "reference"); XCTAssertEqual(reference["prompt"] as? String, "click")
        let images = try XCTUnwrap(reference["images"] as? Int)
        try assertInterval(reference["mIoUInterval"], around: try XCTUnwrap(reference["mIoU"] as? Double), images: images, "reference")
        XCTAssertNil(reference["interactive"])
        let explicit = try json(try eval(["--weights", tinySAM, "--protocol", "reference", "--json"]).stdout)
        XCTAssertEqual(explicit["mIoU"] as? Double, reference["mIoU"] as? Double)

        // Box: the same scores as the older --prompt box.
        let box = try json(try eval(["--weights", tinySAM, "--protocol", "box", "--json"]).stdout)
        let prompt = try json(try eval(["--weights", tinySAM, "--prompt", "box", "--json"]).stdout)
        XCTAssertEqual(box["protocol"] as? String, "box"); XCTAssertEqual(prompt["protocol"] as? String, "box")
        XCTAssertEqual(box["prompt"] as? String, "box")
        XCTAssertEqual(box["mIoU"] as? Double, prompt["mIoU"] as? Double)
        XCTAssertEqual((box["mIoUInterval"] as? [String: Any])?["lower"] as? Double, (prompt["mIoUInterval"] as? [String: Any])?["lower"] as? Double)

        // Clicks on a SAM ViT (input 64, masks 16: clicks are mapped from the mask grid to input pixels).
        let clicks = try json(try eval(["--weights", tinySAM, "--protocol", "clicks", "--clicks", "3", "--json"]).stdout)
        let i = try XCTUnwrap(clicks["interactive"] as? [String: Any])
        XCTAssertEqual((i["curve"] as? [Double])?.count, 3)
        XCTAssertEqual((i["afterClicks"] as? [[String: Any]])?.compactMap { $0["clicks"] as? Int }, [1, 3])
        XCTAssertEqual(i["maskPrompt"] as? Bool, true)
        XCTAssertTrue((1...3).contains(i["noc85"] as? Double ?? 0))

        for (args, mention) in [(["--protocol", "clicks", "--prompt", "box"], "--prompt"), (["--protocol", "reference", "--prompt", "box"], "--prompt"),
                                (["--clicks", "3"], "--clicks"), (["--protocol", "lasso"], "--protocol"),
                                (["--protocol", "clicks", "--overlays", "/tmp/aims-unused-overlays"], "--overlays")] {
            let r = try eval(["--weights", tinySAM] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args): \(r.stderr)")
        }
    }
}
