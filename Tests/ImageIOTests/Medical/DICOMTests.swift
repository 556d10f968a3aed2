import Foundation
import XCTest
@testable import ImageIO

/// DICOM decoding against pydicom 3.0.2 (`pixel_array`, `apply_modality_lut`) on real NEMA/pydicom
/// test files and on re-encodings of them in every native transfer syntax.
final class DICOMTests: XCTestCase {
    private let dicomFiles = ["CT_small.dcm", "CT_small_implicit.dcm", "CT_small_big_endian.dcm",
                              "CT_small_deflated.dcm", "MR_small.dcm", "emri_small.dcm", "US_rgb_planar.dcm"]

    func testStoredPixelsMatchPydicom() throws {
        for name in dicomFiles {
            let ref = try XCTUnwrap(ReferenceFixtures.medical.reference[name], name)
            let image = try DICOMImage(contentsOf: ReferenceFixtures.medical.url(name))
            XCTAssertEqual(image.transferSyntax, ref["transfer_syntax"] as? String, name)
            let stored = try image.storedPixels()
            XCTAssertEqual(stored.dims, ref["dims"] as! [Int], name)
            ReferenceFixtures.assertMatches(stored.toTensor(), ref["stored"] as! [String: Any], "\(name) stored")
        }
    }

    func testModalityLUTMatchesPydicom() throws {
        for name in dicomFiles {
            let ref = try XCTUnwrap(ReferenceFixtures.medical.reference[name])
            let image = try DICOMImage(contentsOf: ReferenceFixtures.medical.url(name))
            XCTAssertEqual(image.rescaleSlope, ref["rescale_slope"] as! Double, name)
            XCTAssertEqual(image.rescaleIntercept, ref["rescale_intercept"] as! Double, name)
            ReferenceFixtures.assertMatches(try image.modalityValues(frame: 0), ref["modality_frame0"] as! [String: Any],
                                          relative: 1e-6, "\(name) modality values")
        }
    }

    func testCTIsInHounsfieldUnits() throws {
        // CT_small stores raw values with RescaleIntercept -1024: air inside the scanner bore is near -1000 HU.
        let ct = try DICOMImage(contentsOf: ReferenceFixtures.medical.url("CT_small.dcm"))
        XCTAssertEqual(ct.modality, "CT")
        let hu = try ct.modalityValues()
        XCTAssertEqual(hu.shape, [1, 128, 128])
        XCTAssertLessThan(hu.scalars.min()!, -800)
        XCTAssertEqual(ct.pixelSpacing.count, 2)
    }

    func testBrokenJPEGFrameIsRefusedNamingTheSyntax() throws {
        // A JPEG baseline file whose only fragment is not a JPEG codestream: a typed error naming the file and
        // the transfer syntax (UID and name), raised before GDCM sees the bytes.
        let image = try DICOMImage(contentsOf: ReferenceFixtures.medical.url("MR_small_jpeg_encapsulated.dcm"))
        XCTAssertThrowsError(try image.storedPixels()) { error in
            XCTAssertTrue(error is ImageIOError, "\(error)")
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.hasPrefix("MR_small_jpeg_encapsulated.dcm") && message.contains("1.2.840.10008.1.2.4.50")
                          && message.contains("JPEG Baseline"), message)
        }
    }

    func testEveryTruncationAndHeaderFlipFailsCleanly() throws {
        for name in ["CT_small.dcm", "CT_small_implicit.dcm", "CT_small_deflated.dcm", "emri_small.dcm"] {
            let bytes = [UInt8](try Data(contentsOf: ReferenceFixtures.medical.url(name)))
            for k in 1..<16 {
                let cut = Array(bytes[0..<(bytes.count * k / 16)])
                XCTAssertThrowsError(try DICOMImage(bytes: cut, file: name).storedPixels(), "\(name) cut at \(k)/16") {
                    XCTAssertTrue($0 is ImageIOError, "\(name) cut at \(k)/16: \($0)")
                }
            }
            // Flipped bytes in the preamble magic and in the first element headers: an error or a
            // decode, never a crash or a hang.
            for position in [128, 129, 132, 133, 136, 140, 141, 144, 150, 160, 200, 300] where position < bytes.count {
                var flipped = bytes
                flipped[position] ^= 0xFF
                do { _ = try DICOMImage(bytes: flipped, file: name).storedPixels() } catch {
                    XCTAssertTrue(error is ImageIOError, "\(name) flip at \(position): \(error)")
                }
            }
        }
    }

    func testNotDICOMNamesTheMagic() {
        let junk = [UInt8](repeating: 0x41, count: 400)
        XCTAssertThrowsError(try DICOMImage(bytes: junk, file: "junk.dcm")) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("junk.dcm: preamble magic at byte 128") ?? false, "\($0)")
        }
    }
}
