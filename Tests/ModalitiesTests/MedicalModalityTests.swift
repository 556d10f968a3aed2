import Foundation
@testable import Modalities
import Transforms
import XCTest

/// DICOM and NIfTI plugins against pydicom and nibabel (fixtures/medical/reference.json).
final class MedicalModalityTests: XCTestCase {
    private func reference(_ file: String) throws -> [String: Any] {
        let files = try XCTUnwrap(Fixtures.json("medical/reference.json")["files"] as? [String: [String: Any]])
        return try XCTUnwrap(files[file])
    }

    func testCTGivesPydicomHounsfieldUnitsAndWindows() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "medical/CT_small.dcm", to: "dicom/ct.dcm")
        try data.copy(fixture: "medical/CT_small_big_endian.dcm", to: "dicom/ct_be.dcm")
        let modality = try DICOMModality(windows: [.preset(.brain), .preset(.bone)])
        XCTAssertEqual(modality.channels.map(\.name), ["HU", "window brain", "window bone"])
        let ref = try XCTUnwrap(reference("CT_small.dcm")["modality_frame0"] as? [String: Any])
        for sample in try modality.samples(in: data.root) {
            let image = try modality.decode(sample, root: data.root)
            XCTAssertEqual(image.values.shape, [3, 128, 128])
            let n = 128 * 128, v = image.values.scalars
            let hu = Array(v[0..<n])
            XCTAssertEqual(image.channels[0].kind, .hounsfield)
            for pair in try XCTUnwrap(ref["samples"] as? [[Double]]) { XCTAssertEqual(Double(hu[Int(pair[0])]), pair[1], sample.id) }
            XCTAssertEqual(hu.reduce(0.0) { $0 + Double($1) }, ref["sum"] as! Double)
            XCTAssertEqual(Double(hu.min()!), ref["min"] as! Double)
            XCTAssertEqual(Double(hu.max()!), ref["max"] as! Double)
            // Brain window 40/80: air and fat black, bone white, 40 HU mid-grey; monotone in HU.
            for i in 0..<n {
                let w = v[n + i]
                if hu[i] <= 0 { XCTAssertEqual(w, 0) }
                if hu[i] > 80 { XCTAssertEqual(w, 1) }
                XCTAssertTrue((0...1).contains(w))
            }
            XCTAssertEqual(CTWindow.brain.apply(39.5), 0.5, accuracy: 1e-12)
            let order = (0..<n).sorted { hu[$0] < hu[$1] }
            for (a, b) in zip(order, order.dropFirst()) { XCTAssertLessThanOrEqual(v[2 * n + a], v[2 * n + b]) }
        }
    }

    func testMRAndWindowFromFileAndRefusals() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "medical/MR_small.dcm", to: "dicom/mr.dcm")
        try data.copy(fixture: "medical/US_rgb_planar.dcm", to: "dicom/us.dcm")
        let mr = try DICOMModality(identifier: "dicom", hounsfield: false)
        let samples = try mr.samples(in: data.root)
        let image = try mr.decode(samples[0], root: data.root)
        let ref = try XCTUnwrap(reference("MR_small.dcm")["modality_frame0"] as? [String: Any])
        XCTAssertEqual(image.values.scalars.reduce(0.0) { $0 + Double($1) }, ref["sum"] as! Double)
        XCTAssertEqual(image.channels[0].kind, .intensity)
        XCTAssertEqual(message { _ = try mr.decode(samples[1], root: data.root) }, "dicom/us.dcm: SamplesPerPixel: expected 1, got 3")
        let framed = try DICOMModality(hounsfield: false, frameIndex: 3)
        XCTAssertEqual(message { _ = try framed.decode(samples[0], root: data.root) }, "dicom/mr.dcm: frame index: expected 0..<1, got 3")
    }

    /// The dicom modality through compressed transfer syntaxes: MR_small stored as JPEG-LS, JPEG 2000 and RLE
    /// (pydicom's own lossless re-encodings) gives the values of the native file, value for value.
    func testCompressedMRGivesTheNativeValues() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "medical/MR_small.dcm", to: "dicom/a_native.dcm")
        for name in ["MR_small_jpeg_ls_lossless", "MR_small_jp2klossless", "MR_small_RLE"] {
            try data.copy(fixture: "dicom_ts/\(name).dcm", to: "dicom/\(name).dcm")
        }
        let mr = try DICOMModality(identifier: "dicom", hounsfield: false)
        let samples = try mr.samples(in: data.root)
        XCTAssertEqual(samples.count, 4)
        let native = try mr.decode(samples[0], root: data.root).values.scalars
        for sample in samples.dropFirst() {
            XCTAssertEqual(try mr.decode(sample, root: data.root).values.scalars, native, sample.id)
        }
    }

    /// Every axial slice of anatomical.nii (big-endian int16) against nibabel: the slices' total equals the volume sum
    /// and the 40 sampled voxels are found where nibabel put them.
    func testNIfTISlicesMatchNibabel() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "medical/anatomical.nii", to: "volumes/brain.nii")
        try data.copy(fixture: "medical/anatomical.nii", to: "labels/brain.nii")
        let ref = try reference("anatomical.nii")
        let dims = try XCTUnwrap(ref["dims"] as? [Int])  // numpy order [z, y, x] = [25, 41, 33]
        let scaled = try XCTUnwrap(ref["scaled"] as? [String: Any])
        var total = 0.0
        var byZ: [Int: [Float]] = [:]
        for z in 0..<dims[0] {
            let m = try NIfTISliceModality(axis: 2, slice: .index(z))
            let sample = try XCTUnwrap(m.samples(in: data.root).first)
            let image = try m.decode(sample, root: data.root)
            XCTAssertEqual(image.values.shape, [1, dims[1], dims[2]])
            byZ[z] = image.values.scalars
            total += image.values.scalars.reduce(0.0) { $0 + Double($1) }
        }
        XCTAssertEqual(total, scaled["sum"] as! Double)
        for pair in try XCTUnwrap(scaled["samples"] as? [[Double]]) {
            let flat = Int(pair[0]), z = flat / (dims[1] * dims[2]), yx = flat % (dims[1] * dims[2])
            XCTAssertEqual(Double(byZ[z]![yx]), pair[1], "voxel \(flat)")
        }
        // The middle sagittal slice is [z, y]; the label volume gives the same slice as integer ids.
        let sagittal = try NIfTISliceModality(axis: 0)
        let s = try XCTUnwrap(sagittal.samples(in: data.root).first)
        XCTAssertEqual(s.label, "labels/brain.nii")
        let t = try sagittal.transformSample(s, root: data.root)
        XCTAssertEqual(t.image.values.shape, [1, dims[0], dims[1]])
        XCTAssertEqual(t.label?.scalars, t.image.values.scalars)
        XCTAssertEqual(message { _ = try NIfTISliceModality(axis: 3) }, "nifti: axis: expected 0 (x), 1 (y) or 2 (z), got 3")
        let far = try NIfTISliceModality(axis: 2, slice: .index(25))
        XCTAssertEqual(message { _ = try far.decode(s, root: data.root) }, "volumes/brain.nii: slice index along axis 2: expected 0..<25, got 25")
    }
}

/// A real label volume: the AAL atlas over the Colin-27 T1 it is aligned with (fixtures/modalities, nibabel's slices).
final class NIfTILabelVolumeTests: XCTestCase {
    func testAtlasSlicesGiveImageAndLabelMaskLikeNibabel() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "modalities/colin_t1_crop.nii.gz", to: "volumes/colin.nii.gz")
        try data.copy(fixture: "modalities/aal_labels_crop.nii.gz", to: "labels/colin.nii.gz")
        let files = try XCTUnwrap(Fixtures.json("modalities/reference.json")["files"] as? [String: [String: Any]])
        let t1 = try XCTUnwrap(files["colin_t1_crop.nii.gz"]), aal = try XCTUnwrap(files["aal_labels_crop.nii.gz"])
        let atlasIDs = Set(try XCTUnwrap(aal["label_ids"] as? [Int]))
        for (axis, key, shape) in [(2, "axial_middle", [60, 60]), (0, "sagittal_middle", [30, 60])] {
            let m = try NIfTISliceModality(identifier: "brain", axis: axis)
            let samples = try m.samples(in: data.root)
            XCTAssertEqual(samples, [SampleFiles(id: "colin", inputs: ["volumes/colin.nii.gz"], label: "labels/colin.nii.gz")])
            let t = try m.transformSample(samples[0], root: data.root)
            XCTAssertEqual(t.image.values.shape, [1] + shape)
            XCTAssertEqual(t.image.values.scalars, try XCTUnwrap(t1[key] as? [Int]).map(Float.init), key)
            let label = try XCTUnwrap(t.label)
            XCTAssertEqual(label.scalars, try XCTUnwrap(aal[key] as? [Int]).map(Float.init), key)
            let ids = Set(label.scalars.map { Int($0) })
            XCTAssertTrue(ids.isSubset(of: atlasIDs))
            XCTAssertGreaterThan(ids.count, 5, "several brain regions in the \(key) slice")
            // Atlas regions are brain tissue, never the zero background of the template.
            XCTAssertTrue(zip(t.image.values.scalars, label.scalars).allSatisfy { $0.1 == 0 || $0.0 > 0 })
        }
    }
}

extension NIfTILabelVolumeTests {
    func testEverySliceAsASample() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "modalities/colin_t1_crop.nii.gz", to: "volumes/colin.nii.gz")
        try data.copy(fixture: "modalities/aal_labels_crop.nii.gz", to: "labels/colin.nii.gz")
        let files = try XCTUnwrap(Fixtures.json("modalities/reference.json")["files"] as? [String: [String: Any]])
        let m = try NIfTISliceModality(axis: 2, slice: .all)
        let samples = try m.samples(in: data.root)
        XCTAssertEqual(samples.count, 30)
        XCTAssertEqual(samples.first?.id, "colin@00")
        XCTAssertEqual(samples[15], SampleFiles(id: "colin@15", inputs: ["volumes/colin.nii.gz"], label: "labels/colin.nii.gz", frame: 15))
        let t = try m.transformSample(samples[15], root: data.root)
        XCTAssertEqual(t.image.values.scalars, try XCTUnwrap(files["colin_t1_crop.nii.gz"]?["axial_middle"] as? [Int]).map(Float.init))
        XCTAssertEqual(t.label?.scalars, try XCTUnwrap(files["aal_labels_crop.nii.gz"]?["axial_middle"] as? [Int]).map(Float.init))
        XCTAssertNotEqual(try m.decode(samples[0], root: data.root).values.scalars, t.image.values.scalars)
    }
}
