import Foundation
import ImageIO
import SimCMF
import TensorCore
import TensorKernels
import TestRequirements
import XCTest
@testable import AIMS

/// Slice-by-slice LiteMedSAM on a synthetic MR-like volume (fixtures/volume/ellipsoid_oblique.nii.gz: a bright
/// ellipsoid on slices 2...6 of 9, oblique qform, sheared sform), with the real weights: the mask lands on the
/// source's grid and propagation from the middle slice stops where the ellipsoid ends.
final class VolumePredictionTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/volume")
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("volume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func reference(_ key: String) throws -> [String: Any] {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("reference.json"))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any])[key] as! [String: Any]
    }

    func testPropagationStopsWhereTheEllipsoidEndsAndTheMaskKeepsTheGrid() throws {
        let weights = try Provided.liteMedSAMCheckpoint()
        let truth = try reference("ellipsoid_oblique.nii.gz")
        let source = Self.fixtures.appendingPathComponent("ellipsoid_oblique.nii.gz")
        let out = dir.appendingPathComponent("mask.nii.gz")
        let box = (truth["middle_box"] as! [Int]).map(Double.init)
        var reported: [Int] = []
        let result = try VolumePrediction.run(volume: source, prompt: .propagated(box: box, slice: 4, rule: PropagationRule()),
                                              model: { try TinyViTSAM(contentsOf: weights) }, window: nil, out: out) {
            reported.append($0.slice)
        }
        // Slices 2...6 hold the ellipsoid; 1 and 7 are segmented, found not to stand out, and dropped.
        XCTAssertEqual(result.slicesSegmented, truth["object_slices"] as! [Int])
        XCTAssertEqual(reported, [4, 5, 6, 7, 3, 2, 1])
        XCTAssertEqual(result.slices.filter { !$0.kept }.map(\.slice), [7, 1])
        XCTAssertEqual(result.mask.boxVoxels.map { [$0[2], $0[5]] }, [2, 6])
        XCTAssertEqual(result.shape, [64, 64, 9])
        XCTAssertEqual(result.axisCodes, truth["axcodes"] as? String)

        // The written mask: the source's qform, sform, pixdim and units; 0/1 voxels that match the ellipsoid.
        let written = try NIfTIVolume(contentsOf: out)
        let input = try NIfTIVolume(contentsOf: source)
        XCTAssertEqual(written.header.spatial, input.header.spatial)
        XCTAssertEqual(written.header.voxelSize, input.header.voxelSize)
        XCTAssertEqual(written.header.dimensions, input.header.dimensions)
        XCTAssertEqual(written.header.affine, input.header.affine)
        XCTAssertEqual(written.voxels.dtype, .uint8)
        let mask = written.voxels.toTensor().scalars
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertEqual(Int(mask.reduce(0, +)), result.mask.voxels)
        for k in 0..<9 {
            var both = 0, predicted = 0, actual = 0
            for j in 0..<64 { for i in 0..<64 {
                let a = pow((Double(i) - 30) / 12, 2) + pow((Double(j) - 34) / 9, 2) + pow((Double(k) - 4) / 2.6, 2) <= 1
                let p = mask[(k * 64 + j) * 64 + i] == 1
                both += a && p ? 1 : 0; predicted += p ? 1 : 0; actual += a ? 1 : 0
            } }
            if actual == 0 { XCTAssertEqual(predicted, 0, "slice \(k) has no ellipsoid"); continue }
            XCTAssertGreaterThanOrEqual(Double(both) / Double(actual), 0.85, "slice \(k): share of the ellipsoid found")
            if (3...5).contains(k) {
                XCTAssertGreaterThanOrEqual(2 * Double(both) / Double(predicted + actual), 0.85, "slice \(k): Dice")
            }
        }
    }

    func testThreeDimensionalBoxOnADICOMSeriesGivesAMaskOnItsGrid() throws {
        let weights = try Provided.liteMedSAMCheckpoint()
        let truth = try reference("dicom_oblique")
        let out = dir.appendingPathComponent("mask.nii")
        let result = try VolumePrediction.run(volume: Self.fixtures.appendingPathComponent("dicom_oblique"),
                                              prompt: .box3D(box: [2, 2, 13, 13], slices: 1...3),
                                              model: { try TinyViTSAM(contentsOf: weights) }, window: nil, out: out)
        XCTAssertEqual(result.slices.map(\.slice), [1, 2, 3])
        XCTAssertTrue(result.conversion.contains("CT window 40.0/400.0"), result.conversion)
        XCTAssertEqual(result.axisCodes, "LAI")
        let written = try MedicalVolume(contentsOf: out)
        let expected = (truth["affine_ras"] as! [[Double]])
        XCTAssertLessThan(written.affine.maxDifference(Affine3D(rows: Array(expected[0..<3]))), 1e-5)
        XCTAssertEqual(written.header.spatial.qformCode, 1)
        XCTAssertEqual(written.header.spatial.sformCode, 1)
        XCTAssertEqual(written.values.shape, [4, 16, 16])
        XCTAssertEqual(written.values.slice(axis: 0, 0..<1).scalars.reduce(0, +), 0, "slice 0 is outside Z0...Z1")
    }

    func testBadPromptsAndNamesAreUsageErrorsBeforeAnyModelIsLoaded() throws {
        let source = Self.fixtures.appendingPathComponent("ellipsoid_oblique.nii.gz")
        let never: () throws -> TinyViTSAM = { XCTFail("the model must not be loaded"); throw CancellationError() }
        for (prompt, name) in [(VolumePrompt.box3D(box: [0, 0, 64, 10], slices: 0...1), "m.nii"),
                               (.propagated(box: [0, 0, 10, 10], slice: 9, rule: PropagationRule()), "m.nii"),
                               (.propagated(box: [0, 0, 10, 10], slice: 1, rule: PropagationRule(minimumContrast: 2)), "m.nii"),
                               (.box3D(box: [0, 0, 10, 10], slices: 0...1), "m.png")] {
            XCTAssertThrowsError(try VolumePrediction.run(volume: source, prompt: prompt, model: never, window: nil,
                                                          out: dir.appendingPathComponent(name))) {
                XCTAssertTrue($0 is RunOptionError, "\(prompt) \(name): \($0)")
            }
        }
    }

    func testMaskContrastHandWorked() {
        // 5 × 5 image of 2 with a 3 × 3 block of 10 in the middle: inside 10, the 1-pixel ring 2, contrast 8.
        var image = [Float](repeating: 2, count: 25), mask = [Bool](repeating: false, count: 25)
        for y in 1...3 { for x in 1...3 { image[y * 5 + x] = 10; mask[y * 5 + x] = true } }
        XCTAssertEqual(MaskContrast.contrast(image: image[...], mask: mask, width: 5, height: 5, ring: 1), 8)
        XCTAssertNil(MaskContrast.contrast(image: image[...], mask: [Bool](repeating: true, count: 25), width: 5, height: 5, ring: 1))
        XCTAssertNil(MaskContrast.contrast(image: image[...], mask: [Bool](repeating: false, count: 25), width: 5, height: 5, ring: 1))
    }
}
