import Foundation
import TensorFiles
import XCTest

/// `aims inspect` on a JPEG: size, channels and per-channel statistics equal Pillow's decode
/// (fixtures/jpeg/<name>.npy), header facts in the details; an R-JPEG stays a FLIR file.
final class InspectJPEGTests: XCTestCase {
    func testJPEGReportMatchesPillowDecode() throws {
        let r = try AimsProcess.run(["inspect", "--json", "fixtures/jpeg/baseline_444.jpg", "fixtures/thermal/flir_i7_four_ducks.jpg"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let reports = try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(reports.map { $0["format"] as? String }, ["jpeg", "flir"])
        let details = try XCTUnwrap(reports[0]["details"] as? [String: String])
        XCTAssertEqual(details["density"], "300x300 dpi")
        XCTAssertEqual(details["chroma subsampling"], "4:4:4")
        XCTAssertEqual(details["color model"], "ycbcr (decoded as rgb)")
        let item = try XCTUnwrap((reports[0]["items"] as? [[String: Any]])?.first)
        XCTAssertEqual(item["shape"] as? [Int], [3, 29, 37])
        XCTAssertEqual(item["dtype"] as? String, "uint8")
        let npy = AimsProcess.repository.appendingPathComponent("fixtures/jpeg/baseline_444.npy")
        let values = try XCTUnwrap(try TensorFiles.read(npy).tensors.first).tensor.scalars.map(Double.init)  // [H, W, 3]
        let channels = try XCTUnwrap(item["channels"] as? [[String: Any]])
        for c in 0..<3 {
            let plane = stride(from: c, to: values.count, by: 3).map { values[$0] }
            XCTAssertEqual(channels[c]["min"] as? Double, plane.min(), "channel \(c)")
            XCTAssertEqual(channels[c]["max"] as? Double, plane.max(), "channel \(c)")
            XCTAssertEqual(channels[c]["mean"] as! Double, plane.reduce(0, +) / Double(plane.count), accuracy: 1e-9)
        }
    }
}
