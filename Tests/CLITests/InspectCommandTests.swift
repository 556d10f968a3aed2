import Foundation
import XCTest

/// `aims inspect` end to end on fixtures whose values a reference reader recorded.
final class InspectCommandTests: XCTestCase {
    private func json(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func testJSONOfARealSentinelCropMatchesTifffile() throws {
        // fixtures/images/ref holds tifffile's decode of the crop as raw little-endian [H, W, C] uint16.
        let r = try AimsProcess.run(["inspect", "--json", "fixtures/images/real_sentinel2_crop.tif"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(try json(r.stdout).first)
        XCTAssertEqual(report["format"] as? String, "tiff")
        let item = try XCTUnwrap((report["items"] as? [[String: Any]])?.first)
        XCTAssertEqual(item["shape"] as? [Int], [4, 48, 40])
        XCTAssertEqual(item["dtype"] as? String, "uint16")
        let refURL = AimsProcess.repository.appendingPathComponent("fixtures/images/ref/real_sentinel2_crop_tif.bin")
        let raw = try Data(contentsOf: refURL)
        let values = raw.withUnsafeBytes { b in (0..<(raw.count / 2)).map { Double(UInt16(littleEndian: b.load(fromByteOffset: 2 * $0, as: UInt16.self))) } }
        let channels = item["channels"] as! [[String: Any]]
        for c in 0..<4 {
            let plane = stride(from: c, to: values.count, by: 4).map { values[$0] }
            XCTAssertEqual(channels[c]["min"] as? Double, plane.min(), "channel \(c)")
            XCTAssertEqual(channels[c]["max"] as? Double, plane.max(), "channel \(c)")
            XCTAssertEqual(channels[c]["mean"] as! Double, plane.reduce(0, +) / Double(plane.count), accuracy: 1e-9)
        }
    }

    func testEveryKindOfFileIsRecognised() throws {
        let files = ["fixtures/images/png_rgba16.png", "fixtures/images/pnm_gray16.pgm", "fixtures/medical/CT_small.dcm",
                     "fixtures/medical/anatomical.nii", "fixtures/thermal/flir_e60_IR_moving_car.jpg",
                     "fixtures/tensors/mixed.safetensors"]
        let r = try AimsProcess.run(["inspect", "--json"] + files)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try json(r.stdout).map { $0["format"] as! String }, ["png", "pnm", "dicom", "nifti", "flir", "safetensors"])
    }

    func testCompressedDICOMMatchesPydicom() throws {
        // JPEG lossless (.70) RGB and JPEG baseline YBR_FULL: stored pixels' statistics as pydicom's
        // (fixtures/dicom_ts/expected.json), the YBR file reported as decoded to RGB.
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: AimsProcess.repository
            .appendingPathComponent("fixtures/dicom_ts/expected.json"))) as! [String: Any]
        let files = expected["files"] as! [String: [String: Any]]
        for name in ["SC_rgb_jpeg_gdcm.dcm", "SC_rgb_jpeg_dcmtk.dcm"] {
            let r = try AimsProcess.run(["inspect", "--json", "fixtures/dicom_ts/\(name)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let report = try XCTUnwrap(try json(r.stdout).first)
            XCTAssertEqual((report["details"] as? [String: String])?["decoded photometric"], "RGB", name)
            let item = try XCTUnwrap((report["items"] as? [[String: Any]])?.first)
            let pixels = try XCTUnwrap(files[name]?["pixels"] as? [String: Any])
            XCTAssertEqual(item["shape"] as? [Int], pixels["shape"] as? [Int], name)
            let channel = try XCTUnwrap((item["channels"] as? [[String: Any]])?.first)
            XCTAssertEqual(channel["min"] as? Double, pixels["min"] as? Double, name)
            XCTAssertEqual(channel["max"] as? Double, pixels["max"] as? Double, name)
            XCTAssertEqual(channel["mean"] as! Double, pixels["mean"] as! Double, accuracy: 1e-6, name)
        }
    }

    func testFailuresNameTheFileAndExitNonZero() throws {
        let r = try AimsProcess.run(["inspect", "fixtures/README.md", "fixtures/images/png_gray8.png", "no-such-file.png"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("README.md: not an NPY, safetensors or PyTorch zip file"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no-such-file.png: cannot open"), r.stderr)
        XCTAssertTrue(r.stdout.contains("png_gray8.png: png"), "the readable file in between is still reported")
    }

    func testUsageErrors() throws {
        XCTAssertEqual(try AimsProcess.run(["inspect"]).status, 64)
        XCTAssertEqual(try AimsProcess.run(["no-such-command"]).status, 64)
        let help = try AimsProcess.run(["inspect", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Usage: aims inspect"))
    }
}

extension InspectCommandTests {
    /// `--summary`: the header and, instead of one line per array with statistics, one line per element type with
    /// its array count and element total. Truth: the safetensors library's listing of mixed.safetensors (its
    /// sidecar: dtype and shape of every tensor) and pydicom's dims of the 10-frame emri_small.dcm (reference.json):
    /// one uint16 array of stored pixels plus one float32 array of modality values per frame.
    func testSummaryTotalsArraysAndElementsPerType() throws {
        struct Listing: Decodable { struct Entry: Decodable { let dtype: String; let shape: [Int] }; let tensors: [Entry] }
        let sidecar = AimsProcess.repository.appendingPathComponent("fixtures/tensors/mixed.safetensors.json")
        let listing = try JSONDecoder().decode(Listing.self, from: Data(contentsOf: sidecar))
        var byType: [String: (arrays: Int, elements: Int)] = [:]
        for t in listing.tensors {
            byType[t.dtype, default: (0, 0)].arrays += 1
            byType[t.dtype, default: (0, 0)].elements += t.shape.reduce(1, *)
        }
        let total = byType.values.reduce(0) { $0 + $1.elements }
        XCTAssertEqual(byType["float32"]?.arrays, 3, "an empty, a 0-d and a 3 x 4 tensor")

        let medical = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: AimsProcess.repository
            .appendingPathComponent("fixtures/medical/reference.json"))) as? [String: Any])
        let dims = try XCTUnwrap(((medical["files"] as? [String: Any])?["emri_small.dcm"] as? [String: Any])?["dims"] as? [Int])
        let frames = dims[0], frameElements = dims.dropFirst().reduce(1, *)

        let tensors = AimsProcess.repository.appendingPathComponent("fixtures/tensors/mixed.safetensors").path
        let dicom = AimsProcess.repository.appendingPathComponent("fixtures/medical/emri_small.dcm").path
        let r = try AimsProcess.run(["inspect", "--summary", tensors, dicom])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let tensorBlock = Array(lines.drop { !$0.hasPrefix(tensors + ": ") }.prefix { !$0.hasPrefix(dicom) })
        XCTAssertEqual(tensorBlock.first, "\(tensors): safetensors, \(listing.tensors.count) array(s), \(total) element(s)")
        let typeLines = tensorBlock.filter { $0.hasSuffix("element(s)") && $0.hasPrefix("  ") }
        XCTAssertEqual(typeLines, byType.keys.sorted().map { "  \($0): \(byType[$0]!.arrays) array(s), \(byType[$0]!.elements) element(s)" })
        let dicomBlock = Array(lines.drop { !$0.hasPrefix(dicom + ": ") })
        XCTAssertEqual(dicomBlock.first, "\(dicom): dicom, \(frames + 1) array(s), \(2 * frames * frameElements) element(s)")
        XCTAssertEqual(dicomBlock.filter { $0.hasSuffix("element(s)") && $0.hasPrefix("  ") },
                       ["  float32: \(frames) array(s), \(frames * frameElements) element(s)",
                        "  uint16: 1 array(s), \(frames * frameElements) element(s)"])
        // No per-array lines or statistics, which the full listing has.
        XCTAssertFalse(r.stdout.contains("min "), r.stdout)
        XCTAssertFalse(r.stdout.contains("w.f32"), r.stdout)
        let full = try AimsProcess.run(["inspect", tensors])
        XCTAssertTrue(full.stdout.contains("w.f32") && full.stdout.contains("min "), full.stdout)
    }
}
