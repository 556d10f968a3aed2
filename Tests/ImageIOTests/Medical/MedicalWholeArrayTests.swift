import Foundation
import XCTest
import TensorCore
import TensorFiles
@testable import ImageIO

/// DICOM and NIfTI decoding compared element by element with the whole arrays pydicom (`pixel_array`,
/// `apply_modality_lut`) and nibabel (`dataobj.get_unscaled()`, `get_fdata()`) decode from the same files
/// (fixtures/medical/arrays, written by scripts/make_medical_fixtures.py; C order, aims' axis order).
///
/// Stored values are integers (int16, uint16, uint8) that Float32 holds exactly: they must be equal. Rescaled
/// values are Float32 in aims (`value · slope + intercept` in Float32) and float64 in the references: each may
/// differ by the two Float32 roundings of that product and sum, at most 2⁻²⁴ of each operand's magnitude,
/// so |aims − truth| ≤ 2⁻²³ · (|truth| + |intercept|). (Every rescaled value in these files happens to be
/// exactly representable, and the measured difference is 0.)
final class MedicalWholeArrayTests: XCTestCase {
    static let fixtures = ReferenceFixtures.medical

    /// An `.npy` written by the script: its dtype, shape and values as Double.
    static func npy(_ relative: String) throws -> (dtype: DType, shape: [Int], values: [Double]) {
        let data = try Data(contentsOf: fixtures.url(relative))
        return try data.withUnsafeBytes { raw in
            let h = try NPY.parseHeader(raw, file: relative)
            precondition(h.littleEndian && !h.fortranOrder, "\(relative): the script writes little-endian C order")
            let n = h.shape.reduce(1, *), o = h.dataOffset
            func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
                (0..<n).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: o + $0 * MemoryLayout<T>.size, as: T.self)) }
            }
            let values: [Double]
            switch h.dtype {
            case .int16: values = load(Int16.self).map(Double.init)
            case .uint16: values = load(UInt16.self).map(Double.init)
            case .uint8: values = load(UInt8.self).map(Double.init)
            case .float32: values = load(UInt32.self).map { Double(Float(bitPattern: $0)) }
            case .float64: values = load(UInt64.self).map { Double(bitPattern: $0) }
            default: throw XCTSkip("\(relative): dtype \(h.dtype) not written by the script")
            }
            return (h.dtype, h.shape, values)
        }
    }

    /// Asserts every element: |a − e| ≤ tolerance(e). Returns the largest difference.
    @discardableResult
    static func assertEveryElement(_ actual: Tensor, _ expected: (dtype: DType, shape: [Int], values: [Double]),
                                   tolerance: (Double) -> Double, _ what: String,
                                   file: StaticString = #filePath, line: UInt = #line) -> Double {
        guard actual.count == expected.values.count else {
            XCTFail("\(what): \(actual.count) values, reference \(expected.values.count)", file: file, line: line); return .infinity
        }
        let a = actual.scalars
        var worst = 0.0, failures = 0, first = ""
        for (i, e) in expected.values.enumerated() {
            let d = abs(Double(a[i]) - e)
            worst = max(worst, d.isNaN ? .infinity : d)
            if !(d <= tolerance(e)) {
                if failures == 0 { first = "flat index \(i): \(a[i]) vs \(e)" }
                failures += 1
            }
        }
        if failures > 0 { XCTFail("\(what): \(failures) of \(a.count) elements differ; first at \(first)", file: file, line: line) }
        return worst
    }

    static func entry(_ name: String) throws -> [String: Any] { try XCTUnwrap(fixtures.reference[name], name) }

    func testEveryDICOMPixelMatchesPydicom() throws {
        for name in ["CT_small.dcm", "CT_small_implicit.dcm", "CT_small_big_endian.dcm", "CT_small_deflated.dcm",
                     "MR_small.dcm", "emri_small.dcm", "US_rgb_planar.dcm"] {
            let ref = try Self.entry(name)
            let image = try DICOMImage(contentsOf: Self.fixtures.url(name))
            let stored = try image.storedPixels()
            let truth = try Self.npy(ref["stored_array"] as! String)
            XCTAssertEqual(stored.dims, truth.shape, "\(name) [frames, rows, columns, samples]")
            XCTAssertEqual(stored.dtype, truth.dtype, "\(name) stored dtype")
            Self.assertEveryElement(stored.toTensor(), truth, tolerance: { _ in 0 }, "\(name) stored")

            let modality = try image.modalityValues(frame: 0)
            let lut = try Self.npy(ref["modality_frame0_array"] as! String)
            XCTAssertEqual(modality.shape, lut.shape, "\(name) [samples, rows, columns]")
            let b = abs(image.rescaleIntercept)
            let worst = Self.assertEveryElement(modality, lut, tolerance: { 0x1p-23 * (abs($0) + b) }, "\(name) modality LUT")
            XCTAssertEqual(worst, 0, "\(name): every modality value here is exactly representable in Float32")
        }
    }

    func testEveryNIfTIVoxelMatchesNibabel() throws {
        for name in ["anatomical.nii", "example4d_crop.nii.gz", "anatomical_uint16_scaled.nii",
                     "anatomical_nifti2_float.nii", "anatomical_pair.hdr"] {
            let ref = try Self.entry(name)
            let volume = try NIfTIVolume(contentsOf: Self.fixtures.url(name))
            let truth = try Self.npy(ref["stored_array"] as! String)
            XCTAssertEqual(volume.voxels.dims, truth.shape, "\(name) dims (x fastest)")
            XCTAssertEqual(volume.voxels.dtype, truth.dtype, "\(name) stored dtype")
            Self.assertEveryElement(volume.voxels.toTensor(), truth, tolerance: { _ in 0 }, "\(name) get_unscaled")

            let scaled = try Self.npy(ref["scaled_array"] as! String)
            let b = abs(volume.header.scaling?.intercept ?? 0)
            let worst = Self.assertEveryElement(volume.scaledValues(), scaled, tolerance: { 0x1p-23 * (abs($0) + b) },
                                                "\(name) get_fdata")
            XCTAssertEqual(worst, 0, "\(name): every scaled value here is exactly representable in Float32")
        }
    }
}
