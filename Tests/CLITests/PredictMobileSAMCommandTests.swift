import Foundation
import TensorFiles
import TestRequirements
import XCTest

/// `aims predict --image` with a MobileSAM checkpoint: the MobileSAM stand-in (LiteMedSAM's real weights in
/// MobileSAM's layout, `MobileSAMStandIn`, written as safetensors) on fixtures/tinyvit/mobilesam_predictor_image.png
/// (180 × 260), against MobileSAM's own `SamPredictor` and `SamAutomaticMaskGenerator`
/// (fixtures/tinyvit/mobilesam_predictor.json, scripts/make_mobilesam_predictor_fixtures.py). Tolerances as
/// Tests/TinyViTTests/MobileSAMPredictorTests: predicted IoUs to 1e-4 relative, mask pixels within 2.
final class PredictMobileSAMCommandTests: XCTestCase {
    func testBoxAndEverythingWithAMobileSAMCheckpoint() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("predict-mobilesam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("mobile_sam.safetensors")
        try Safetensors.write(try MobileSAMStandIn.checkpoint().tensors, to: weights)
        let picture = "fixtures/tinyvit/mobilesam_predictor_image.png"
        let data = try Data(contentsOf: AimsProcess.repository.appendingPathComponent("fixtures/tinyvit/mobilesam_predictor.json"))
        let reference = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])

        // A box: three masks, the best predicted IoU kept.
        let box = try XCTUnwrap(reference["box"] as? [String: Any])
        let ious = try XCTUnwrap(box["iou"] as? [Double]), pixels = try XCTUnwrap(box["mask_pixels"] as? [Int])
        let best = ious.indices.max { ious[$0] < ious[$1] }!
        let r = try AimsProcess.run(["predict", "--image", picture, "--weights", weights.path, "--box", "40,35,142,135",
                                     "--out", dir.appendingPathComponent("mask.png").path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["model"] as? String, "MobileSAM")
        XCTAssertEqual(try XCTUnwrap(report["predictedIoU"] as? Double), ious[best], accuracy: 1e-4 * ious[best])
        XCTAssertEqual(Double(try XCTUnwrap(report["maskPixels"] as? Int)), Double(pixels[best]), accuracy: 2)

        // Everything: 2 × 2 points, three masks each (MobileSAM's default), no thresholds.
        let labels = dir.appendingPathComponent("labels.png")
        let e = try AimsProcess.run(["predict", "--image", picture, "--weights", weights.path, "--everything", "--points-per-side", "2",
                                     "--pred-iou-thresh", "0", "--stability-score-thresh", "0", "--out", labels.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let everything = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let mine = try XCTUnwrap(everything["masks"] as? [[String: Any]])
        let theirs = try XCTUnwrap((reference["automatic"] as? [String: Any])?["masks"] as? [[String: Any]])
        XCTAssertEqual(mine.count, theirs.count)
        // The command lists masks by area; the generator by predicted IoU (distinct here by more than 1e-4).
        func iou(_ m: [String: Any], _ key: String) -> Double { m[key] as? Double ?? .nan }
        let a = mine.sorted { iou($0, "predictedIoU") > iou($1, "predictedIoU") }
        let b = theirs.sorted { iou($0, "predicted_iou") > iou($1, "predicted_iou") }
        for (m, t) in zip(a, b) {
            XCTAssertEqual(iou(m, "predictedIoU"), iou(t, "predicted_iou"), accuracy: 1e-4 * iou(t, "predicted_iou"))
            XCTAssertEqual(m["area"] as? Int, t["area"] as? Int)
            let xywh = try XCTUnwrap(t["bbox"] as? [Int])
            XCTAssertEqual(m["box"] as? [Int], [xywh[0], xywh[1], xywh[0] + xywh[2], xywh[1] + xywh[3]])
            XCTAssertEqual(m["point"] as? [Double], (t["point_coords"] as? [[Double]])?.first)
            XCTAssertEqual(m["stabilityScore"] as? Double, t["stability_score"] as? Double)
        }
    }
}
