import Foundation
import XCTest
@testable import TensorFiles

/// The expected content of one fixture, written by scripts/make_tensor_fixtures.py from the
/// library that wrote the file (NumPy, safetensors, torch), not by the readers under test.
struct Sidecar: Decodable {
    struct Entry: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let values: [Double]
    }
    let file: String
    let format: String
    let error: String?
    let tensors: [Entry]?
    let metadata: [String: String]?
}

enum Fixtures {
    /// fixtures/tensors in the repository.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/tensors")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    /// Every fixture that has a sidecar, sorted by name.
    static func sidecars() throws -> [Sidecar] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "lite_medsam_expected.json" }.sorted()
        return try names.map { try JSONDecoder().decode(Sidecar.self, from: Data(contentsOf: url($0))) }
    }

    /// Names of the fixtures (not sidecars) that a reader must accept.
    static func readableFiles() throws -> [String] { try sidecars().filter { $0.error == nil }.map(\.file) }
}

/// Asserts that `archive` holds exactly the sidecar's tensors (names and order, stored dtypes,
/// shapes, and every value as `Float(expected)` bit for bit) and at least its metadata.
func assertMatches(_ archive: TensorArchive, _ expected: Sidecar, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(archive.format.rawValue, expected.format, "\(expected.file): format", file: file, line: line)
    let tensors = expected.tensors ?? []
    XCTAssertEqual(archive.names, tensors.map(\.name), "\(expected.file): names in order", file: file, line: line)
    for (got, want) in zip(archive.tensors, tensors) {
        XCTAssertEqual(got.storedDType.rawValue, want.dtype, "\(expected.file) '\(want.name)': dtype", file: file, line: line)
        XCTAssertEqual(got.shape, want.shape, "\(expected.file) '\(want.name)': shape", file: file, line: line)
        let values = got.tensor.scalars
        XCTAssertEqual(values.count, want.values.count, "\(expected.file) '\(want.name)': count", file: file, line: line)
        var mismatches = 0
        for (i, (g, w)) in zip(values, want.values).enumerated() where g.bitPattern != Float(w).bitPattern {
            if mismatches == 0 {
                XCTFail("\(expected.file) '\(want.name)'[\(i)]: got \(g), expected \(Float(w))", file: file, line: line)
            }
            mismatches += 1
        }
    }
    for (k, v) in expected.metadata ?? [:] {
        XCTAssertEqual(archive.metadata[k], v, "\(expected.file): metadata '\(k)'", file: file, line: line)
    }
}

/// The case name of a `TensorFileError` (e.g. `"truncated"`), for comparison with sidecars.
func kind(_ error: TensorFileError) -> String {
    switch error {
    case .unreadable: return "unreadable"
    case .unwritable: return "unwritable"
    case .truncated: return "truncated"
    case .malformed: return "malformed"
    case .unsupported: return "unsupported"
    case .forbiddenGlobal: return "forbiddenGlobal"
    case .missing: return "missing"
    case .unknownFormat: return "unknownFormat"
    case .tooLarge: return "tooLarge"
    }
}

/// Runs `body` and returns the `TensorFileError` it throws; fails if it throws something else or nothing.
@discardableResult
func expectFileError(_ what: String, file: StaticString = #filePath, line: UInt = #line,
                     _ body: () throws -> Void) -> TensorFileError? {
    do {
        try body()
        XCTFail("\(what): no error", file: file, line: line)
    } catch let e as TensorFileError {
        return e
    } catch {
        XCTFail("\(what): \(type(of: error)) instead of TensorFileError: \(error)", file: file, line: line)
    }
    return nil
}
