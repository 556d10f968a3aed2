import Foundation
import XCTest
import TensorCore

/// A fixtures folder with a `reference.json` written by a script under scripts/ from an
/// independent reader's decoding (pydicom, nibabel, ExifTool...), and the comparison of aims'
/// values against it.
struct ReferenceFixtures: @unchecked Sendable {
    let directory: URL
    /// `files` of reference.json: file name → what the reference reader found.
    let reference: [String: [String: Any]]

    static let medical = ReferenceFixtures("medical")
    static let thermal = ReferenceFixtures("thermal")

    init(_ folder: String) {
        directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/\(folder)")
        let data = try! Data(contentsOf: directory.appendingPathComponent("reference.json"))
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        reference = root["files"] as! [String: [String: Any]]
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Asserts that `tensor` (flat C order) has the statistics the reference reader recorded:
    /// count, sum, position-weighted sum (Σ v·(i mod 97 + 1)), min, max and sampled values.
    static func assertMatches(_ tensor: Tensor, _ stats: [String: Any], relative: Double = 0,
                              _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let v = tensor.scalars.map(Double.init)
        XCTAssertEqual(v.count, stats["count"] as! Int, "\(what): count", file: file, line: line)
        guard v.count == stats["count"] as! Int else { return }
        func close(_ a: Double, _ b: Double, _ label: String) {
            // 1e-12: swift-corelibs-foundation's JSON parser may miss a double's last digit.
            let tol = max(max(relative, 1e-12) * max(abs(a), abs(b)), relative > 0 ? 1e-6 : 0)
            XCTAssertEqual(a, b, accuracy: tol, "\(what): \(label)", file: file, line: line)
        }
        var sum = 0.0, weighted = 0.0
        for (i, x) in v.enumerated() { sum += x; weighted += x * Double(i % 97 + 1) }
        close(sum, stats["sum"] as! Double, "sum")
        close(weighted, stats["weighted_sum"] as! Double, "position-weighted sum")
        close(v.min()!, stats["min"] as! Double, "min")
        close(v.max()!, stats["max"] as! Double, "max")
        for pair in stats["samples"] as! [[Double]] {
            close(v[Int(pair[0])], pair[1], "value at flat index \(Int(pair[0]))")
        }
    }
}
