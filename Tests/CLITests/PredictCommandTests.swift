import Autodiff
import Foundation
import ImageIO
import SimCMF
import TensorFiles
import XCTest

/// `aims predict` end to end with the real LiteMedSAM on a real CT slice, against PyTorch's
/// logits for the same slice and box (fixtures/tinyvit/litemedsam_e2e.safetensors, at 256 × 256),
/// brought to the slice's 128 × 128 with the same bilinear resize the command uses.
final class PredictCommandTests: XCTestCase {
    private var weights: URL { get throws { try TestWeights.liteMedSAM } }

    func testLiteMedSAMMaskOnCTMatchesPyTorch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mask = dir.appendingPathComponent("mask.png"), overlay = dir.appendingPathComponent("overlay.png")
        // The fixture's box (82, 6, 160, 86) in 256-pixel input coordinates is (41, 3, 80, 43) on the 128-pixel slice.
        let r = try AimsProcess.run(["predict", "--image", "fixtures/medical/CT_small.dcm", "--box", "41,3,80,43",
                                     "--weights", try weights.path, "--out", mask.path, "--overlay", overlay.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["model"] as? String, "LiteMedSAM")

        let e2e = try TensorFiles.read(AimsProcess.repository.appendingPathComponent("fixtures/tinyvit/litemedsam_e2e.safetensors"))
        let torchLogits = try XCTUnwrap(e2e["low_res_logits"])
        let expected = interpolate(Variable(torchLogits), size: (128, 128), mode: .bilinear).value.scalars.map { $0 > 0 }
        let written = try ImageReader.read(mask).toTensor().scalars.map { $0 == 255 }
        XCTAssertEqual(written.count, expected.count)
        let intersection = zip(written, expected).filter { $0 && $1 }.count
        let union = zip(written, expected).filter { $0 || $1 }.count
        XCTAssertGreaterThan(union, 500)
        XCTAssertGreaterThanOrEqual(Double(intersection) / Double(union), 0.99, "IoU with PyTorch's mask")
        XCTAssertEqual(report["maskPixels"] as? Int, written.filter { $0 }.count)
        let picture = try ImageReader.read(overlay)
        XCTAssertEqual([picture.channels, picture.height, picture.width], [3, 128, 128])
    }

    func testUsageAndInputErrors() throws {
        XCTAssertEqual(try AimsProcess.run(["predict", "--image", "x.png", "--box", "1,2,3", "--out", "/tmp/x.png"]).status, 64)
        XCTAssertEqual(try AimsProcess.run(["predict", "--image", "x.png", "--out", "/tmp/x.png"]).status, 64, "no prompt")
        let missing = try AimsProcess.run(["predict", "--image", "no-such.dcm", "--box", "1,2,3,4", "--out", "/tmp/x.png"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no-such.dcm"), missing.stderr)
        let badWeights = try AimsProcess.run(["predict", "--image", "fixtures/images/png_rgb8.png", "--box", "1,1,5,5",
                                              "--weights", "fixtures/README.md", "--out", "/tmp/never-written.png"])
        XCTAssertEqual(badWeights.status, 1)
        XCTAssertTrue(badWeights.stderr.contains("README.md"), badWeights.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never-written.png"))
    }
}
