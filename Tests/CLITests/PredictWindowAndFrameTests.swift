import Foundation
import ImageIO
import XCTest

/// `aims predict --window C,W` and `--frame N`: the picture LiteMedSAM is given is read back from `--overlay`
/// (the input image wherever the mask, the box outline and the clicks are not drawn) and compared with the
/// MedSAM CT pre-processing worked by hand on values a third-party reader (pydicom, fixtures/medical/reference.json)
/// recorded, or on the frame the DICOM reader decodes (itself checked against pydicom's samples of that frame);
/// for a multi-page TIFF, with tifffile's decode of each page.
final class PredictWindowAndFrameTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aims-cli-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// MedSAM's CT pre-processing (pre_CT_MR.py): clip to [C − W/2, C + W/2], rescale by the clipped image's own
    /// minimum and maximum to 0…255, truncate to integers (NumPy's astype(uint8)).
    private func medSAMWindow(_ values: [Double], center: Double, width: Double) -> [Double] {
        let lo = center - width / 2, hi = center + width / 2
        let clipped = values.map { min(max($0, lo), hi) }
        let mn = clipped.min()!, mx = clipped.max()!
        return clipped.map { (($0 - mn) / (mx - mn) * 255).rounded(.towardZero) }
    }

    /// Runs `aims predict` with a box; returns the overlay's first plane (red; grey input gives R = G = B) and
    /// which pixels show the input: outside the written mask and off the box outline.
    private func predict(_ image: String, box: [Int], _ extra: [String]) throws -> (red: [Float], shown: [Bool], report: [String: Any]) {
        let (planes, size, shown, report) = try predictPicture(image, box: box, extra)
        let n = size.h * size.w
        // A grey input stays grey where nothing is drawn: the three planes agree there.
        for p in 0..<n where shown[p] {
            XCTAssertEqual(planes[p], planes[n + p]); XCTAssertEqual(planes[p], planes[2 * n + p])
        }
        return (Array(planes[0..<n]), shown, report)
    }

    /// Runs `aims predict` with a box; returns the overlay's planes `[3, H, W]`, its size, and which pixels show the input.
    private func predictPicture(_ image: String, box: [Int], _ extra: [String])
        throws -> (planes: [Float], size: (h: Int, w: Int), shown: [Bool], report: [String: Any]) {
        let mask = scratch.appendingPathComponent("mask.png"), overlay = scratch.appendingPathComponent("overlay.png")
        let r = try AimsProcess.run(["predict", "--image", image, "--box", box.map(String.init).joined(separator: ","),
                                     "--weights", try TestWeights.liteMedSAM.path, "--out", mask.path, "--overlay", overlay.path,
                                     "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let picture = try ImageReader.read(overlay)
        let (h, w) = (picture.height, picture.width)
        let planes = picture.toTensor().scalars
        let inside = try ImageReader.read(mask).toTensor().scalars.map { $0 > 0 }
        var shown = [Bool](repeating: false, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                let onBox = ((x == box[0] || x == box[2]) && (box[1]...box[3]).contains(y))
                    || ((y == box[1] || y == box[3]) && (box[0]...box[2]).contains(x))
                shown[y * w + x] = !inside[y * w + x] && !onBox
            }
        }
        return (planes, (h, w), shown, report)
    }

    private func medicalReference(_ file: String) throws -> [String: Any] {
        let url = AimsProcess.repository.appendingPathComponent("fixtures/medical/reference.json")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap((root["files"] as? [String: Any])?[file] as? [String: Any])
    }

    /// CT_small.dcm: HU from pydicom's modality LUT span −896 … 1167, so any window inside that range has the
    /// window's own ends as the clipped minimum and maximum: the display value of each of pydicom's 40 sampled
    /// pixels is then ⌊(clip(HU) − lo) / W · 255⌋ by hand.
    func testWindowMapsHounsfieldUnitsAsMedSAM() throws {
        let hu = try XCTUnwrap(try medicalReference("CT_small.dcm")["modality_frame0"] as? [String: Any])
        XCTAssertEqual(hu["min"] as? Double, -896); XCTAssertEqual(hu["max"] as? Double, 1167)
        let samples = try XCTUnwrap(hu["samples"] as? [[Double]])
        var byWindow: [[Double]] = []
        for (center, width, option) in [(100.0, 600.0, ["--window", "100,600"]), (40.0, 400.0, [])] {  // 40/400: the CT default
            let (red, shown, report) = try predict("fixtures/medical/CT_small.dcm", box: [41, 3, 80, 43], option)
            XCTAssertEqual(red.count, 128 * 128)
            XCTAssertEqual(report["conversion"] as? String, "DICOM CT HU, MedSAM window \(center)/\(width)")
            let (lo, hi) = (center - width / 2, center + width / 2)
            var compared = 0, values: [Double] = []
            for s in samples {
                let expected = ((min(max(s[1], lo), hi) - lo) / width * 255).rounded(.towardZero)
                values.append(expected)
                guard shown[Int(s[0])] else { continue }
                XCTAssertEqual(Double(red[Int(s[0])]), expected, "window \(center)/\(width), pixel \(Int(s[0])) of HU \(s[1])")
                compared += 1
            }
            XCTAssertGreaterThanOrEqual(compared, 30, "most sampled pixels lie outside the mask")
            byWindow.append(values)
        }
        XCTAssertGreaterThan(zip(byWindow[0], byWindow[1]).filter { $0 != $1 }.count, 20, "the two windows differ on these pixels")
    }

    /// emri_small.dcm holds 10 frames of 64 × 64 (stored = modality values: slope 1, intercept 0). `--frame 6` must
    /// segment frame 6: its windowed values (MedSAM's formula by hand on the frame the DICOM reader decodes, which
    /// agrees with pydicom's samples of that frame) appear in the overlay, and they differ from frame 0's.
    func testFrameSelectsThatFrameOfAMultiFrameDICOM() throws {
        let reference = try medicalReference("emri_small.dcm")
        XCTAssertEqual(reference["dims"] as? [Int], [10, 64, 64, 1])
        let stored = try XCTUnwrap((reference["stored"] as? [String: Any])?["samples"] as? [[Double]])
        let dicom = try DICOMImage(contentsOf: AimsProcess.repository.appendingPathComponent("fixtures/medical/emri_small.dcm"))
        let n = 64 * 64
        var frames: [[Double]] = []
        for f in [0, 6] {
            let values = try dicom.modalityValues(frame: f).scalars.map(Double.init)
            XCTAssertEqual(values.count, n)
            let inFrame = stored.filter { Int($0[0]) / n == f }
            XCTAssertGreaterThanOrEqual(inFrame.count, 3)
            for s in inFrame { XCTAssertEqual(values[Int(s[0]) % n], s[1], "frame \(f) pixel \(Int(s[0]) % n): pydicom's value") }
            frames.append(values)
        }
        let (center, width) = (150.0, 200.0)
        let expected = frames.map { medSAMWindow($0, center: center, width: width) }
        XCTAssertGreaterThan(zip(expected[0], expected[1]).filter { $0 != $1 }.count, n / 2, "frames 0 and 6 differ")
        for (f, option) in [(1, ["--frame", "6"]), (0, [])] {
            let (red, shown, report) = try predict("fixtures/medical/emri_small.dcm", box: [10, 10, 50, 50],
                                                   ["--window", "\(center),\(width)"] + option)
            XCTAssertEqual(report["conversion"] as? String, "DICOM MR HU, MedSAM window \(center)/\(width)")
            var compared = 0, wrong = 0
            for p in 0..<n where shown[p] {
                if Double(red[p]) != expected[f][p] { wrong += 1 }
                compared += 1
            }
            XCTAssertGreaterThan(compared, n / 2)
            XCTAssertEqual(wrong, 0, "\(option): pixels whose value is not the windowed frame's")
        }
        let beyond = try AimsProcess.run(["predict", "--image", "fixtures/medical/emri_small.dcm", "--box", "1,1,9,9", "--frame", "10",
                                          "--weights", try TestWeights.liteMedSAM.path, "--out", scratch.appendingPathComponent("x.png").path])
        XCTAssertEqual(beyond.status, 1, "frame 10 of 10 frames")
        XCTAssertTrue(beyond.stderr.contains("frame"), beyond.stderr)
    }

    /// `--frame N` of a TIFF picks page N: tiff_multipage.tif holds an 8-bit 6 x 10 grey page, a 16-bit 5 x 7 RGB page
    /// and a float 4 x 9 grey page (tifffile's decode in fixtures/images/ref). Page 0 is used as is; the others are
    /// stretched from their own minimum and maximum to 0…255, which the 8-bit overlay stores rounded (within 0.5).
    func testFrameSelectsThePageOfATIFF() throws {
        let ref = AimsProcess.repository.appendingPathComponent("fixtures/images/ref")
        let page0 = try Data(contentsOf: ref.appendingPathComponent("tiff_multipage_tif_p0.bin")).map(Float.init)
        let page1Bytes = try Data(contentsOf: ref.appendingPathComponent("tiff_multipage_tif_p1.bin"))
        let page1: [Float] = page1Bytes.withUnsafeBytes { b in
            (0..<(page1Bytes.count / 2)).map { Float(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        }
        let page2Bytes = try Data(contentsOf: ref.appendingPathComponent("tiff_multipage_tif_p2.bin"))
        let page2: [Float] = page2Bytes.withUnsafeBytes { b in
            (0..<(page2Bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        func stretched(_ v: [Float]) -> [Double] {
            let mn = Double(v.min()!), mx = Double(v.max()!)
            return v.map { (Double($0) - mn) / (mx - mn) * 255 }
        }
        // (option, size, channels of the page, expected 0…255 values interleaved [H, W, C], tolerance)
        let cases: [([String], (h: Int, w: Int), Int, [Double], Double)] = [
            ([], (6, 10), 1, page0.map(Double.init), 0),
            (["--frame", "1"], (5, 7), 3, stretched(page1), 0.5 + 1e-3),
            (["--frame", "2"], (4, 9), 1, stretched(page2), 0.5 + 1e-3),
        ]
        for (option, size, channels, expected, tolerance) in cases {
            XCTAssertEqual(expected.count, size.h * size.w * channels)
            let (planes, got, shown, report) = try predictPicture("fixtures/images/tiff_multipage.tif", box: [1, 1, 3, 2], option)
            XCTAssertEqual([got.h, got.w], [size.h, size.w], "\(option): the page's size")
            guard got.h == size.h, got.w == size.w else { continue }
            // tifffile's dtypes of the pages: uint8, uint16, float32.
            XCTAssertEqual(report["conversion"] as? String,
                           ["8-bit image as is", "uint16 image min-max to 0-255", "float32 image min-max to 0-255"][Int(option.last ?? "0")!])
            let n = size.h * size.w
            var compared = 0
            for p in 0..<n where shown[p] {
                for c in 0..<3 {
                    XCTAssertEqual(Double(planes[c * n + p]), expected[p * channels + (channels == 3 ? c : 0)], accuracy: tolerance,
                                   "\(option): pixel \(p), plane \(c)")
                }
                compared += 1
            }
            XCTAssertGreaterThan(compared, n / 3, "\(option)")
        }
    }
}
