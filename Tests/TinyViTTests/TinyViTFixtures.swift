import Foundation
import XCTest
import SimCMF
import TensorCore
import TensorFiles
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

/// The tolerance used throughout: `Tolerance.toScale(tolerance, floor:)` of the shared comparison.
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double, floor: Double = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    if ProcessInfo.processInfo.environment["TINYVIT_VERBOSE"] == "1", actual.count == expected.count {
        print("\(what): relative max error \(relativeMaxError(actual, expected, floor: floor))")
    }
    assertClose(actual, expected, within: .toScale(tolerance, floor: floor), what, file: file, line: line)
}
