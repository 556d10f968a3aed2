import Foundation
import XCTest
import SimCMF
import Tensor
import TestComparisons
import TestRequirements

/// fixtures/tinyvit (written by scripts/make_tinyvit_fixtures.py from PyTorch; see fixtures/README.md).
enum TinyViTFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/tinyvit")

    static func archive(_ name: String) throws -> TensorArchive { try TensorFiles.read(directory.appendingPathComponent(name)) }

    static func tensor(_ archive: TensorArchive, _ name: String) throws -> Tensor {
        try XCTUnwrap(archive[name], "fixture tensor \(name) is missing")
    }

    /// reference.json
    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent("reference.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `${AIMS_CACHE:-~/.cache/aims}/lite_medsam.pth`, or a skip (a failure under `make test`).
    static func checkpointURL() throws -> URL { try Provided.liteMedSAMCheckpoint() }
}

/// The max-norm relative error `max_i |actual_i − expected_i| / max(max_i |expected_i|, floor)` (one scale per
/// tensor; `floor` only matters for a tensor whose expected values are ~0, see the gradient tests), or NaN
/// when either tensor holds a NaN or an infinity, so that both `< tolerance` and `> gap` checks fail on it.
func relativeMaxError(_ actual: Tensor, _ expected: Tensor, floor: Double = 0) -> Double {
    precondition(actual.count == expected.count)
    let a = actual.scalars, e = expected.scalars
    guard a.allSatisfy(\.isFinite), e.allSatisfy(\.isFinite) else { return .nan }
    var diff = 0.0, scale = 0.0
    for i in a.indices {
        diff = max(diff, abs(Double(a[i]) - Double(e[i])))
        scale = max(scale, abs(Double(e[i])))
    }
    return diff / max(scale, floor, 1e-30)
}

/// The tolerance used throughout: `Tolerance.toScale(tolerance, floor:)` of the shared comparison.
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double, floor: Double = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    if ProcessInfo.processInfo.environment["TINYVIT_VERBOSE"] == "1", actual.count == expected.count {
        print("\(what): relative max error \(relativeMaxError(actual, expected, floor: floor))")
    }
    assertClose(actual, expected, within: .toScale(tolerance, floor: floor), what, file: file, line: line)
}
