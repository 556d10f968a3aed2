import Foundation
import XCTest
@testable import ImageIO

/// NIfTI decoding against nibabel 5.4.2 (`dataobj.get_unscaled()` and `get_fdata()`), on a real
/// big-endian anatomical image, a crop of a real 4-D fMRI series (.nii.gz) and re-encodings
/// (NIfTI-2, .hdr/.img pair, scl_slope/scl_inter).
final class NIfTITests: XCTestCase {
    private let files = ["anatomical.nii", "example4d_crop.nii.gz", "anatomical_uint16_scaled.nii",
                         "anatomical_nifti2_float.nii", "anatomical_pair.hdr"]

    func testVoxelsMatchNibabel() throws {
        for name in files {
            let ref = try XCTUnwrap(ReferenceFixtures.medical.reference[name], name)
            let volume = try NIfTIVolume(contentsOf: ReferenceFixtures.medical.url(name))
            XCTAssertEqual(volume.voxels.dims, ref["dims"] as! [Int], name)
            ReferenceFixtures.assertMatches(volume.voxels.toTensor(), ref["stored"] as! [String: Any], "\(name) stored")
            ReferenceFixtures.assertMatches(volume.scaledValues(), ref["scaled"] as! [String: Any], relative: 1e-6,
                                          "\(name) scaled")
            let sizes = (ref["voxel_size"] as! [Double]).prefix(volume.header.voxelSize.count)
            for (a, b) in zip(volume.header.voxelSize, sizes) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(name) pixdim") }
        }
    }

    func testHeaderFacts() throws {
        let anat = try NIfTIVolume(contentsOf: ReferenceFixtures.medical.url("anatomical.nii"))
        XCTAssertFalse(anat.header.littleEndian, "anatomical.nii is big-endian")
        XCTAssertEqual(anat.header.dimensions, [33, 41, 25])
        let n2 = try NIfTIVolume(contentsOf: ReferenceFixtures.medical.url("anatomical_nifti2_float.nii"))
        XCTAssertEqual(n2.header.version, 2)
        let scaled = try NIfTIVolume(contentsOf: ReferenceFixtures.medical.url("anatomical_uint16_scaled.nii"))
        XCTAssertEqual(scaled.header.scaling?.slope, 0.5)
        XCTAssertEqual(scaled.header.scaling?.intercept, -10)
    }

    func testSlicesAreTheVolumeSeenAlongEachAxis() throws {
        let v = try NIfTIVolume(contentsOf: ReferenceFixtures.medical.url("anatomical.nii"))
        let all = v.scaledValues()  // [z, y, x]
        let (nx, ny, nz) = (33, 41, 25)
        let axial = try v.slice(axis: 2, index: 12)
        XCTAssertEqual(axial.shape, [ny, nx])
        XCTAssertEqual(axial[7, 5], all[12, 7, 5])
        let coronal = try v.slice(axis: 1, index: 20)
        XCTAssertEqual(coronal.shape, [nz, nx])
        XCTAssertEqual(coronal[3, 9], all[3, 20, 9])
        let sagittal = try v.slice(axis: 0, index: 16)
        XCTAssertEqual(sagittal.shape, [nz, ny])
        XCTAssertEqual(sagittal[4, 30], all[4, 30, 16])
        XCTAssertThrowsError(try v.slice(axis: 2, index: nz))
    }

    func testTruncationsFailCleanly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nifti-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["anatomical.nii", "example4d_crop.nii.gz", "anatomical_nifti2_float.nii"] {
            let bytes = try Data(contentsOf: ReferenceFixtures.medical.url(name))
            for k in 1..<16 {
                let url = dir.appendingPathComponent("\(k)-" + name)
                try bytes.prefix(bytes.count * k / 16).write(to: url)
                XCTAssertThrowsError(try NIfTIVolume(contentsOf: url), "\(name) cut at \(k)/16") {
                    XCTAssertTrue($0 is ImageIOError, "\(name) cut at \(k)/16: \($0)")
                }
            }
        }
    }

    func testAbsurdDimensionsAreRejectedBeforeAllocating() throws {
        var bytes = [UInt8](try Data(contentsOf: ReferenceFixtures.medical.url("anatomical.nii")))
        // dim[1..3] (big-endian int16 at 42, 44, 46) = 30000 each: 2.7e13 voxels.
        for off in [42, 44, 46] { bytes[off] = 0x75; bytes[off + 1] = 0x30 }
        let header = try NIfTIHeader.parse(bytes, file: "huge.nii")
        XCTAssertThrowsError(try NIfTIVolume(header: header, data: bytes, offset: 352, file: "huge.nii")) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("huge.nii: dim") ?? false, "\($0)")
        }
    }

    func testVoxelCountOverflowIsRejected() throws {
        var bytes = [UInt8](try Data(contentsOf: ReferenceFixtures.medical.url("anatomical.nii")))
        // Big-endian int16 dim[0] = 7 at byte 40, dim[1...7] = 32767: 32767^7 overflows Int.
        bytes[40] = 0; bytes[41] = 7
        for k in 1...7 { bytes[40 + 2 * k] = 0x7F; bytes[41 + 2 * k] = 0xFF }
        let header = try NIfTIHeader.parse(bytes, file: "overflow.nii")
        XCTAssertThrowsError(try NIfTIVolume(header: header, data: bytes, offset: 352, file: "overflow.nii")) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("more than Int.max") ?? false, "\($0)")
        }
    }
}
