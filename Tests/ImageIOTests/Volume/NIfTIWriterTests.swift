import Foundation
import TensorCore
import TensorKernels
import XCTest
@testable import ImageIO

/// The NIfTI-1 writer: round trips through aims' reader, and the header fields nibabel writes for the same grid.
final class NIfTIWriterTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nifti-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A mask on the DICOM series' grid has exactly the header fields nibabel writes from the same affine
    /// (`set_qform`/`set_sform` code 1, units mm): dim, pixdim, codes, quaternion, offsets, srow.
    func testMaskOnDICOMGridHasNibabelsHeaderFields() throws {
        let volume = try MedicalVolume(contentsOf: VolumeFixtures.url("dicom_oblique"))
        let out = dir.appendingPathComponent("mask.nii")
        try volume.writeMask(Tensor(shape: volume.values.shape, repeating: 1), to: out)
        let bytes = [UInt8](try Data(contentsOf: out))
        let truth = (VolumeFixtures.entry("dicom_oblique")["reference_nifti"] as! [String: Any])["header"] as! [String: Any]
        func i16(_ at: Int) -> Int { Int(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)) }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) } }
        XCTAssertEqual((0..<8).map { i16(40 + 2 * $0) }, VolumeFixtures.ints(truth["dim"]))
        XCTAssertEqual((0..<8).map { u32(76 + 4 * $0) }, VolumeFixtures.uints(truth["pixdim_bits"]))
        XCTAssertEqual([i16(252), i16(254)], [truth["qform_code"] as! Int, truth["sform_code"] as! Int])
        XCTAssertEqual((0..<3).map { u32(256 + 4 * $0) }, VolumeFixtures.uints(truth["quatern_bits"]))
        XCTAssertEqual((0..<3).map { u32(268 + 4 * $0) }, VolumeFixtures.uints(truth["qoffset_bits"]))
        let srows = (truth["srow_bits"] as! [Any]).map(VolumeFixtures.uints)
        XCTAssertEqual((0..<3).map { r in (0..<4).map { u32(280 + 16 * r + 4 * $0) } }, srows)
        XCTAssertEqual(Int(bytes[123]), truth["xyzt_units"] as? Int)
        XCTAssertEqual([i16(70), i16(72)], [truth["datatype"] as! Int, truth["bitpix"] as! Int])
        XCTAssertEqual(Array(bytes[344..<348]), Array("n+1\0".utf8))
        XCTAssertEqual(bytes.count, 352 + volume.values.shape.reduce(1, *))
        // aims' reader sees the same spatial fields in nibabel's own file.
        let nibabels = try NIfTIVolume(contentsOf: VolumeFixtures.url("dicom_oblique_reference.nii")).header
        let ours = try NIfTIVolume(contentsOf: out).header
        XCTAssertEqual(ours.spatial, nibabels.spatial)
        XCTAssertEqual(ours.voxelSize, nibabels.voxelSize)
    }

    /// Write → read: the same voxels and, copied from the source, the same qform, sform, pixdim and units.
    func testRoundTripKeepsVoxelsAndTheSourcesGeometry() throws {
        let source = try MedicalVolume(contentsOf: VolumeFixtures.url("ellipsoid_oblique.nii.gz"))
        let n = source.values.shape.reduce(1, *)
        let mask = Tensor(shape: source.values.shape, values: (0..<n).map { Float(($0 * 7919) % 5 == 0 ? 1 : 0) })
        for name in ["mask.nii", "mask.nii.gz"] {
            let out = dir.appendingPathComponent(name)
            try source.writeMask(mask, to: out)
            let back = try NIfTIVolume(contentsOf: out)
            XCTAssertEqual(back.voxels.dtype, .uint8, name)
            XCTAssertEqual(back.voxels.dims, source.values.shape, name)
            XCTAssertEqual(back.voxels.toTensor().scalars, mask.scalars, name)
            XCTAssertEqual(back.header.spatial, source.header.spatial, name)
            XCTAssertEqual(back.header.voxelSize, source.header.voxelSize, name)
            XCTAssertEqual(back.header.affine, source.affine, name)
            XCTAssertNil(back.header.scaling, name)
        }
        let reread = try MedicalVolume(contentsOf: dir.appendingPathComponent("mask.nii.gz"))
        XCTAssertEqual(reread.affine.axisCodes, VolumeFixtures.entry("ellipsoid_oblique.nii.gz")["axcodes"] as? String)
    }

    func testOtherElementTypesRoundTripAndBadInputIsRefused() throws {
        let header = try NIfTIVolume(contentsOf: VolumeFixtures.url("qform_only.nii")).header
        let values: [Int16] = (0..<24).map { Int16($0 * 1000 - 9000) }
        let raw = RawVolume(dims: [2, 3, 4], dtype: .int16, bytes: values.withUnsafeBytes { Array($0) })
        let out = dir.appendingPathComponent("v.nii")
        try NIfTIWriter.write(raw, like: header, to: out)
        let back = try NIfTIVolume(contentsOf: out)
        XCTAssertEqual(back.voxels, raw)
        XCTAssertEqual(back.header.dimensions, [4, 3, 2])
        XCTAssertEqual(back.header.spatial, header.spatial, "qfac -1 and the qform survive")
        let mask = Tensor(shape: [1, 2, 3], repeating: 1)
        XCTAssertThrowsError(try MedicalVolume(contentsOf: VolumeFixtures.url("qform_only.nii")).writeMask(mask, to: out)) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("v.nii: mask shape") ?? false, "\($0)")
        }
    }
}
