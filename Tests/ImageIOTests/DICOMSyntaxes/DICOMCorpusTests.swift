import Foundation
import TestRequirements
import XCTest
@testable import ImageIO

/// The whole of pydicom's test corpus, when an installed pydicom is found beside the repository
/// (`../venv/lib/python3.*/site-packages/pydicom/data/test_files`, or `AIMS_PYDICOM_TEST_FILES`): each file with
/// pixel data decodes equal to pydicom or is refused with a typed error naming the file and, for a transfer
/// syntax, its UID and name. Optional (skips otherwise): the copied files are tested always.
final class DICOMCorpusTests: XCTestCase {
    static func corpus() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["AIMS_PYDICOM_TEST_FILES"] { return URL(fileURLWithPath: path) }
        let lib = OptionalData.repository.deletingLastPathComponent().appendingPathComponent("venv/lib")
        for python in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] where python.hasPrefix("python") {
            let url = lib.appendingPathComponent("\(python)/site-packages/pydicom/data/test_files")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw XCTSkip("pydicom's test corpus not present (optional): no \(lib.path)/python*/site-packages/pydicom/data/test_files")
    }

    func testCorpusDecodesEqualToPydicomOrIsRefusedByName() throws {
        let root = try Self.corpus()
        let expected = DICOMSyntaxExpectations.shared
        var equal: [String] = [], refused: [String] = [], differing: [String] = [], unverifiable: [String] = []
        for (name, entry) in expected.files.sorted(by: { $0.key < $1.key }) {
            let url = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            switch DICOMSyntaxExpectations.compare(url, entry) {
            case .equal: equal.append(name)
            case .refused(let message):
                refused.append("\(name): \(message)")
                XCTAssertTrue(message.contains((name as NSString).lastPathComponent), message)
            case .differs(let why) where name == DICOMTransferSyntaxTests.lossy12Bit:
                print("  \(name): \(why) (lossy 12-bit JPEG, within ±1: DICOMTransferSyntaxTests)")
            case .differs(let why): differing.append("\(name): \(why)")
            case .decodedWherePydicomFails: unverifiable.append("\(name): decoded by aims, pydicom: \(entry["error"] ?? "")")
            }
        }
        let decodable = expected.files.values.filter { $0["pixels"] != nil }.count
        print("aims decodes \(equal.count) of \(expected.files.count) corpus files equal to pydicom (pydicom decodes \(decodable));"
              + " refused \(refused.count), differing \(differing.count), decoded where pydicom fails \(unverifiable.count)")
        for line in refused + differing + unverifiable { print("  " + line) }
        XCTAssertEqual(differing, [], "decoded differently from pydicom")
    }
}
