import Foundation
import FuzzEntryPoints
import XCTest

/// Replays every committed fuzz input (`fixtures/fuzz/<reader>/`: the harnesses' seeds and each finding, once
/// fixed) through the reader calls the harness makes (`FuzzedReader.consume`), without the fuzzer. Each must
/// decode or throw the typed error `fixtures/fuzz/expected.json` records (the start of its message, which
/// names the file); a crash fails the whole test run, as it failed the fuzzer (docs/RELIABILITY.md).
final class FuzzRegressionTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/fuzz")

    func testEveryCommittedInputDecodesOrGivesItsTypedError() throws {
        let expected = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: Self.root.appendingPathComponent("expected.json")))
        var seen = Set<String>()
        for reader in FuzzedReader.allCases {
            let dir = Self.root.appendingPathComponent(reader.rawValue)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
            XCTAssertFalse(names.isEmpty, "no input for \(reader)")
            for name in names {
                let key = "\(reader.rawValue)/\(name)"
                seen.insert(key)
                let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
                let outcome: String
                do {
                    try reader.consume(bytes, file: name)
                    outcome = "decodes"
                } catch let error as LocalizedError {
                    outcome = error.errorDescription ?? "\(error)"
                    XCTAssertTrue(outcome.contains(name), "\(key): the message names the file: \(outcome)")
                } catch {
                    outcome = "untyped \(type(of: error)): \(error)"
                }
                guard let want = expected[key] else { XCTFail("\(key): not in expected.json (outcome: \(outcome))"); continue }
                XCTAssertTrue(outcome.hasPrefix(want), "\(key): expected \(want)…, got \(outcome)")
            }
        }
        XCTAssertEqual(Set(expected.keys).subtracting(seen).sorted(), [], "expected.json names inputs that are not there")
    }
}
