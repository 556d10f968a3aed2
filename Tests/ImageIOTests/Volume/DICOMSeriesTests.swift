import Foundation
import TensorCore
import TensorFiles
import TensorKernels
import XCTest
@testable import ImageIO

/// A DICOM series folder → slice order and RAS+ affine, against pydicom/nibabel (scripts/make_volume_fixtures.py):
/// four oblique CT slices whose file names and Instance Numbers both disagree with their geometric order.
final class DICOMSeriesTests: XCTestCase {
    private let truth = VolumeFixtures.entry("dicom_oblique")

    func testSlicesAreOrderedAlongTheNormalNotByNameOrInstanceNumber() throws {
        let series = try DICOMSeries(folder: VolumeFixtures.url("dicom_oblique"))
        XCTAssertEqual(series.files, truth["sorted_files"] as! [String])
        XCTAssertNotEqual(series.files, series.files.sorted(), "the fixture's names are not in slice order")
        let instances = series.images.map { Int($0.dataSet.numbers(.instanceNumber)[0]) }
        XCTAssertNotEqual(instances, instances.sorted(), "nor are its Instance Numbers")
        XCTAssertTrue(series.skipped.isEmpty)
    }

    func testAffineMatchesTheStandardFormula() throws {
        let series = try DICOMSeries(folder: VolumeFixtures.url("dicom_oblique"))
        let expected = VolumeFixtures.affine(truth["affine_ras"])
        XCTAssertLessThan(series.affine.maxDifference(expected), 1e-9, "\(series.affine.rows) vs \(expected.rows)")
        XCTAssertEqual(series.affine.axisCodes, truth["axcodes"] as? String)
    }

    func testVolumeHoldsEachSlicesHounsfieldUnitsInSliceOrder() throws {
        let volume = try MedicalVolume(contentsOf: VolumeFixtures.url("dicom_oblique"))
        let hu = try XCTUnwrap(try TensorFiles.read(VolumeFixtures.url(truth["hu_array"] as! String)).tensors.first?.tensor)
        XCTAssertEqual(volume.values.shape, VolumeFixtures.ints(truth["shape_zyx"]))
        XCTAssertEqual(volume.values.scalars, hu.scalars, "per-slice Rescale Slope/Intercept, slices in geometric order")
        XCTAssertEqual(volume.modality, "CT")
        XCTAssertLessThan(volume.affine.maxDifference(VolumeFixtures.affine(truth["affine_ras"])), 1e-9)
    }

    func testMixedSeriesAreRefusedListingEveryUID() {
        XCTAssertThrowsError(try DICOMSeries(folder: VolumeFixtures.url("dicom_mixed"))) { error in
            guard case let DICOMSeriesError.mixedSeries(folder, uids, counts) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(folder, "dicom_mixed")
            XCTAssertEqual(uids, VolumeFixtures.entry("dicom_mixed")["series_uids"] as! [String])
            XCTAssertEqual(counts, [2, 1])
            let text = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(text.contains("SeriesInstanceUID (0020,000E)") && uids.allSatisfy(text.contains), text)
        }
    }

    func testFoldersWithoutASeriesAreRefusedByName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("series-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("not dicom".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try DICOMSeries(folder: dir)) {
            XCTAssertEqual($0 as? DICOMSeriesError, .noImages(folder: dir.lastPathComponent, skipped: ["notes.txt"]))
        }
        // Two slices at one position (e.g. two echoes) are not a volume.
        let slice = VolumeFixtures.url("dicom_oblique/a3.dcm")
        try FileManager.default.copyItem(at: slice, to: dir.appendingPathComponent("x.dcm"))
        try FileManager.default.copyItem(at: slice, to: dir.appendingPathComponent("y.dcm"))
        XCTAssertThrowsError(try DICOMSeries(folder: dir)) {
            guard case let DICOMSeriesError.duplicatePosition(_, files, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(files, ["x.dcm", "y.dcm"])
        }
        // A gap (a missing slice) makes the steps uneven.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("y.dcm"))
        for name in ["c9.dcm", "q7.dcm"] {
            try FileManager.default.copyItem(at: VolumeFixtures.url("dicom_oblique/" + name), to: dir.appendingPathComponent(name))
        }
        XCTAssertThrowsError(try DICOMSeries(folder: dir)) {
            guard case let DICOMSeriesError.unevenSpacing(_, steps) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(steps.count, 2)
        }
    }
}
