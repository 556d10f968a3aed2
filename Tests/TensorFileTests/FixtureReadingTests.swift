import Foundation
import XCTest
@testable import TensorFiles

/// Every fixture read through the format-sniffing entry point must equal what the writing
/// library recorded in its sidecar, or fail with the recorded error kind.
final class FixtureReadingTests: XCTestCase {
    func testEveryFixtureMatchesItsSidecar() throws {
        let sidecars = try Fixtures.sidecars()
        XCTAssertGreaterThan(sidecars.count, 30, "fixtures/tensors is incomplete; run scripts/make_tensor_fixtures.py")
        for s in sidecars {
            if let expectedError = s.error {
                let e = expectFileError(s.file) { _ = try TensorFiles.read(Fixtures.url(s.file)) }
                if let e { XCTAssertEqual(kind(e), expectedError, "\(s.file): \(e.localizedDescription)") }
                XCTAssertEqual(e?.file, s.file)
            } else {
                do {
                    assertMatches(try TensorFiles.read(Fixtures.url(s.file)), s)
                } catch {
                    XCTFail("\(s.file): \(error.localizedDescription)")
                }
            }
        }
    }

    func testForbiddenGlobalIsNamed() throws {
        let e = expectFileError("forbidden_global.pth") { _ = try TorchCheckpoint.read(Fixtures.url("forbidden_global.pth")) }
        guard case .forbiddenGlobal(let file, let module, let name, let offset)? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(file, "forbidden_global.pth")
        XCTAssertEqual(module, "argparse")
        XCTAssertEqual(name, "Namespace")
        XCTAssertGreaterThan(offset, 0)
        XCTAssertTrue(e!.localizedDescription.contains("argparse.Namespace"), e!.localizedDescription)
    }

    func testDeflatedEntryIsUnsupportedWithItsName() throws {
        let e = expectFileError("deflated.pth") { _ = try TorchCheckpoint.read(Fixtures.url("deflated.pth")) }
        XCTAssertTrue(e?.localizedDescription.contains("deflated.pth: ZIP entry 'state/") ?? false, e?.localizedDescription ?? "")
        XCTAssertTrue(e?.localizedDescription.contains("compression method 8") ?? false, e?.localizedDescription ?? "")
    }

    func testCheckpointSubtreeIsTheStateDict() throws {
        let archive = try TensorFiles.read(Fixtures.url("checkpoint.pth"))
        let model = archive.subtree("model")
        XCTAssertEqual(model.names, ["layer.0.weight", "layer.1.weight", "layer.2.weight"])
        XCTAssertEqual(model["layer.1.weight"]?.scalars, archive["model.layer.1.weight"]?.scalars)
        XCTAssertEqual(archive.metadata["epoch"], "3")
        XCTAssertEqual(archive.subtree("optimizer").names, ["state.0.step", "state.0.exp_avg"])
        XCTAssertEqual(archive["param"]?.shape, [3])
    }

    func testViewsShareOneStorage() throws {
        // all views in views.pth are cut from one 4×6 storage; the sidecar compares values, this
        // checks that torch really wrote a single storage (so offsets and strides were exercised)
        let data = try Fixtures.data("views.pth")
        let storages = try data.withUnsafeBytes { buf in
            try ZipDirectory(buf, file: "views.pth").entries.filter { $0.name.contains("/data/") }.count
        }
        XCTAssertEqual(storages, 1)
        let a = try TorchCheckpoint.read(data, file: "views.pth")
        XCTAssertEqual(a["transposed"]?.scalars.prefix(4), [0, 6, 12, 18])
        XCTAssertEqual(a["slice"]?.scalars, [8, 9, 10, 14, 15, 16])
    }

    func testManyTensorsUseLongMemoOpcodes() throws {
        let data = try Fixtures.data("many.pth")
        // LONG_BINPUT (0x72) occurs once memo indices pass 255
        let pickle = try data.withUnsafeBytes { buf -> [UInt8] in
            let zip = try ZipDirectory(buf, file: "many.pth")
            return Array(try zip.payload(zip.entries.first { $0.name.hasSuffix("data.pkl") }!))
        }
        XCTAssertTrue(pickle.contains(0x72))
        let a = try TorchCheckpoint.read(data, file: "many.pth")
        XCTAssertEqual(a.tensors.count, 300)
        XCTAssertEqual(a["t299"]?.scalars, [299])
    }

    func testSniffing() throws {
        XCTAssertEqual(TensorFiles.sniff(try Fixtures.data("le_float32.npy")), .npy)
        XCTAssertEqual(TensorFiles.sniff(try Fixtures.data("state.pth")), .pytorch)
        XCTAssertEqual(TensorFiles.sniff(try Fixtures.data("mixed.safetensors")), .safetensors)
        XCTAssertNil(TensorFiles.sniff(Data("hello world, not a tensor".utf8)))
        let e = expectFileError("text") { _ = try TensorFiles.read(Data("hello world".utf8), file: "notes.txt") }
        XCTAssertEqual(e.map(kind), "unknownFormat")
        let missing = expectFileError("absent") { _ = try TensorFiles.read(URL(fileURLWithPath: "/nonexistent/x.npy")) }
        XCTAssertEqual(missing.map(kind), "unreadable")
    }
}
