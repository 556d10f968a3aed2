import Foundation
import XCTest

/// `aims bench sam` argument handling and its JSON report (a tiny 32-pixel run of vit_b's encoder).
final class BenchSAMCommandTests: XCTestCase {
    func testBadArgumentsAreUsageErrors() throws {
        for args in [["--size", "100"], ["--model", "vit_x"], ["--mode", "decode"], ["--batch", "0"]] {
            let r = try AimsProcess.run(["bench", "sam"] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssert(r.stderr.contains("Usage: aims bench sam"), r.stderr)
        }
    }

    func testEncoderReportIsJSON() throws {
        let r = try AimsProcess.run(["bench", "sam", "--size", "32", "--mode", "encoder", "--repetitions", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["model"] as? String, "vit_b")
        XCTAssertEqual(report["size"] as? Int, 32)
        XCTAssertEqual((report["seconds"] as? [Double])?.count, 1)
        // vit_b built for a 2x2 token grid: pos_embed and the global rel-pos tables shrink accordingly.
        XCTAssertEqual(report["parameters"] as? Int, 93_735_472 - 64 * 64 * 768 + 2 * 2 * 768 - 4 * 2 * (127 - 3) * 64)
    }

    func testLoRAStepAddsTheReferenceLoRAParameters() throws {
        let r = try AimsProcess.run(["bench", "sam", "--size", "32", "--mode", "train-lora", "--repetitions", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["mode"] as? String, "train-lora")
        XCTAssertGreaterThan(report["peakResidentMiB"] as? Double ?? 0, 0)
        // The same model as the encoder case plus docs/REFERENCE.md §4's LoRA: 4,275,200 parameters.
        let plain = 93_735_472 - 64 * 64 * 768 + 2 * 2 * 768 - 4 * 2 * (127 - 3) * 64
        XCTAssertEqual(report["parameters"] as? Int, plain + 4_275_200)
    }
}
