import AIMS
import Foundation
import ImageIO
import Modalities
import TensorCore
import TestDatasets
import XCTest

/// Manifest determinism, verification against the folder, and the validation report of a broken folder.
final class ManifestTests: XCTestCase {
    private var roots: [URL] = []
    override func tearDown() { for r in roots { try? FileManager.default.removeItem(at: r) } }
    private func nyu(train: [Int] = [1, 2, 3, 4], test: [Int] = [5], empty: Set<Int> = []) throws -> URL {
        let r = try ReferenceDatasets.temporaryRoot("manifest"); roots.append(r)
        try ReferenceDatasets.nyu(at: r, train: train, test: test, empty: empty)
        return r
    }

    func testRebuildIsByteIdenticalAndHashesAreSHA256() throws {
        let r = try nyu()
        let a = try DatasetLayoutTests.build("nyudepthv2", "rgbd", r).encoded()
        let b = try DatasetLayoutTests.build("nyudepthv2", "rgbd", r).encoded()
        XCTAssertEqual(a, b)
        let m = try JSONDecoder().decode(Manifest.self, from: a)
        // An independent digest of one file: SHA-256 of its bytes via the known empty-string vector check and a direct hash.
        let bytes = try Data(contentsOf: r.appendingPathComponent("Depth/3.npy"))
        XCTAssertEqual(m.files["Depth/3.npy"], Manifest.FileRecord(bytes: bytes.count, sha256: SHA256.hex(bytes)))
        XCTAssertEqual(Set(m.files.keys).count, 5 * 3)   // RGB, depth, label of 5 samples
        XCTAssertFalse(String(decoding: a, as: UTF8.self).contains(r.path))  // no absolute paths
        XCTAssertEqual(m.fractions["100"], m.splits.train)
        XCTAssertEqual(m.fractions["10"]?.count, 1)
    }

    /// Statistics are reduced in sample order, so one worker or three give the same bytes.
    func testThreadCountDoesNotChangeTheManifest() throws {
        let r = try nyu(train: Array(1...9), test: [10, 11])
        let one = try DatasetLayoutTests.build("nyudepthv2", "rgbd", r, threads: 1).encoded()
        XCTAssertEqual(try DatasetLayoutTests.build("nyudepthv2", "rgbd", r, threads: 3).encoded(), one)
    }

    func testVerifyReportsChangedMissingAndResizedFiles() throws {
        let r = try nyu()
        let m = try DatasetLayoutTests.build("nyudepthv2", "rgbd", r)
        XCTAssertEqual(m.verify(root: r), [])
        // Same size, other content: one byte flipped.
        var bytes = try Data(contentsOf: r.appendingPathComponent("RGB/2.png"))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: r.appendingPathComponent("RGB/2.png"))
        try FileManager.default.removeItem(at: r.appendingPathComponent("Depth/3.npy"))
        let h = try FileHandle(forWritingTo: r.appendingPathComponent("Mask_gt/4.png")); h.seekToEndOfFile(); h.write(Data([0])); try h.close()
        let changes = m.verify(root: r)
        XCTAssertEqual(changes.map(\.file), ["Depth/3.npy", "Mask_gt/4.png", "RGB/2.png"])
        XCTAssertEqual(changes.map(\.kind), [.missing, .resized, .changed])
        // Only the files of the samples asked for.
        XCTAssertEqual(m.verify(root: r, samples: ["1", "5"]), [])
        XCTAssertThrowsError(try m.requireUnchanged(root: r, samples: ["2"])) { e in
            XCTAssertTrue((e as? LocalizedError)?.errorDescription?.contains("RGB/2.png") == true, "\(e)")
        }
    }

    func testBrokenFolderReportNamesEachFile() throws {
        let r = try nyu(empty: [5])
        try FileManager.default.removeItem(at: r.appendingPathComponent("Depth/2.npy"))
        let png = r.appendingPathComponent("RGB/3.png")
        let full = try Data(contentsOf: png)
        try full.prefix(full.count / 2).write(to: png)
        try PNGCodec.write(RawImage(tensor: ReferenceDatasets.label(side: 6), dtype: .uint8), to: r.appendingPathComponent("Mask_gt/4.png"))
        let m = try DatasetLayoutTests.build("nyudepthv2", "rgbd", r)
        let byFile = Dictionary(m.report.problems.map { ($0.file, $0.problem) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byFile["Depth/2.npy"], .missing)
        XCTAssertEqual(byFile["RGB/3.png"], .unreadable)
        XCTAssertEqual(byFile["Mask_gt/4.png"], .sizeMismatch)
        XCTAssertEqual(byFile["Mask_gt/5.png"], .empty)
        XCTAssertEqual(m.report.problems.count, 4, "\(m.report.problems.map(\.line))")
        XCTAssertEqual(m.splits.train, ["1"]); XCTAssertEqual(m.splits.test, ["5"])
        XCTAssertTrue(m.report.problems.first { $0.file == "Mask_gt/4.png" }!.detail.contains("[6, 6]"))
    }

    /// Pillow's convert('L') of a colour NIR image: (19595 R + 38470 G + 7471 B + 32768) >> 16.
    func testLumaOfColourNIR() throws {
        let r = try ReferenceDatasets.temporaryRoot("luma"); roots.append(r)
        let rgb = Tensor(shape: [3, 1, 2], values: [255, 10, 0, 200, 128, 7])
        try PNGCodec.write(RawImage(tensor: rgb, dtype: .uint8), to: r.appendingPathComponent("n.png"))
        let m = try ModalityRegistry.standard.require("nir-ivrg")
        let t = try m.decode(SampleFiles(id: "n", inputs: ["n.png"]), root: r).values
        func luma(_ r: Int, _ g: Int, _ b: Int) -> Float {
            let v: Int = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16
            return Float(v) / 255
        }
        let expected: [Float] = [luma(255, 0, 128), luma(10, 200, 7)]
        XCTAssertEqual(t.withUnsafeBufferPointer { Array($0) }, expected)
    }
}
