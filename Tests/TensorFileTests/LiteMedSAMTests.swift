import Foundation
import TestRequirements
import XCTest
@testable import TensorFiles

/// The real LiteMedSAM checkpoint (scripts/fetch-weights), compared with what `torch.load` of the
/// same file reported (fixtures/tensors/lite_medsam_expected.json).
final class LiteMedSAMTests: XCTestCase {
    struct Expected: Decodable {
        struct Pick: Decodable {
            let shape: [Int]
            let dtype: String
            let first: [Double]
            let sum: Double
        }
        let count: Int
        let elements: Int
        let keys: [String]
        let shapes: [[Int]]
        let dtypes: [String]
        let picks: [String: Pick]
    }

    /// `${AIMS_CACHE:-~/.cache/aims}/lite_medsam.pth`, or a skip (a failure under `make test`).
    func checkpointURL() throws -> URL { try Provided.liteMedSAMCheckpoint() }

    func testReadsLiteMedSAMLikeTorchLoad() throws {
        let url = try checkpointURL()
        let expected = try JSONDecoder().decode(Expected.self, from: Fixtures.data("lite_medsam_expected.json"))
        let clock = ContinuousClock()
        var archive: TensorArchive?
        let elapsed = try clock.measure { archive = try TensorFiles.read(url) }
        let a = try XCTUnwrap(archive)
        print("lite_medsam.pth: \(a.tensors.count) tensors, \(a.elementCount) elements, read in \(elapsed)")
        XCTAssertEqual(a.format, .pytorch)
        XCTAssertEqual(a.tensors.count, 435)
        XCTAssertEqual(expected.count, 435)
        XCTAssertEqual(a.elementCount, 9_801_439)
        XCTAssertEqual(expected.elements, 9_801_439)
        // 408 float32 tensors; the 27 BatchNorm num_batches_tracked counters are 0-d int64
        XCTAssertEqual(a.tensors.map(\.storedDType.rawValue), expected.dtypes)
        XCTAssertEqual(a.tensors.filter { $0.storedDType == .float32 }.count, 408)
        XCTAssertEqual(a.tensors.filter { $0.storedDType == .float32 }.reduce(0) { $0 + $1.tensor.count }, 9_801_412)
        XCTAssertEqual(a.names, expected.keys)
        XCTAssertEqual(a.tensors.map(\.shape), expected.shapes)
        XCTAssertEqual(expected.picks.count, 3)
        for (name, pick) in expected.picks {
            let t = try XCTUnwrap(a.entry(name), name)
            XCTAssertEqual(t.shape, pick.shape, name)
            XCTAssertEqual(t.storedDType.rawValue, pick.dtype, name)
            XCTAssertEqual(Array(t.tensor.scalars.prefix(4)), pick.first.map { Float($0) }, name)
            let (sum, magnitude) = t.tensor.withUnsafeBufferPointer { b in
                b.reduce((0.0, 0.0)) { ($0.0 + Double($1), $0.1 + Double(abs($1))) }
            }
            XCTAssertEqual(sum, pick.sum, accuracy: 1e-9 * max(1, magnitude), name)
        }
        XCTAssertEqual(a.entry("image_encoder.patch_embed.seq.0.c.weight")?.shape, [32, 3, 1, 1])
        XCTAssertEqual(a.metadata["pytorch.version"], "3")
        XCTAssertLessThan(elapsed, .seconds(10), "reading a 39 MB checkpoint must not take long")
    }
}
