import Foundation
import ImageIO
import Modalities
import TensorCore
import TensorKernels
import XCTest

/// MedSAM's volume pre-processing (`pre_CT_MR.py`) against NumPy running that code on the fixtures'
/// volumes (scripts/make_volume_fixtures.py): the histogram of the 0–255 values and a position-weighted sum.
final class MedSAMVolumeIntensityTests: XCTestCase {
    private let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/volume")

    private func truth(_ key: String) throws -> [String: Any] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("reference.json"))) as! [String: Any]
        return (root[key] as! [String: Any])["medsam"] as! [String: Any]
    }

    private func assertMatches(_ scaled: Tensor, _ truth: [String: Any], _ what: String) {
        var histogram = [Int](repeating: 0, count: 256), weighted = 0
        for (i, v) in scaled.scalars.enumerated() {
            XCTAssertEqual(v, v.rounded(), "\(what): integers")
            histogram[Int(v)] += 1
            weighted += Int(v) * (i % 97 + 1)
        }
        XCTAssertEqual(histogram, (truth["histogram"] as! [Any]).map { ($0 as! NSNumber).intValue }, what)
        XCTAssertEqual(weighted, truth["position_weighted_sum"] as? Int, what)
    }

    func testPercentileRuleMatchesMedSAMOnAnMRLikeVolume() throws {
        let volume = try MedicalVolume(contentsOf: directory.appendingPathComponent("ellipsoid_oblique.nii.gz"))
        assertMatches(MedSAMVolumeIntensity.percentiles.apply(volume.values), try truth("ellipsoid_oblique.nii.gz"), "MR")
    }

    func testCTWindowMatchesMedSAMOnTheDICOMSeries() throws {
        let volume = try MedicalVolume(contentsOf: directory.appendingPathComponent("dicom_oblique"))
        assertMatches(MedSAMVolumeIntensity.ctWindow(.softTissue).apply(volume.values), try truth("dicom_oblique"), "CT")
    }

    func testHandWorkedPercentiles() {
        // 9 zeros, then the voxels 1...201 (value v at index 8 + v): the 0.5th and 99.5th percentiles of the positive
        // ones are 2 and 200 (positions 1 and 199 of 201), so 1 clips to 2, the minimum (→ 0), and 201 to 200 (→ 255);
        // zeros clip to 2 as well but are set back to 0.
        let values = Tensor(shape: [2, 3, 35], values: (0..<210).map { $0 < 9 ? 0 : Float($0 - 8) })
        let out = MedSAMVolumeIntensity.percentiles.apply(values).scalars
        XCTAssertEqual([out[0], out[8 + 1], out[8 + 2], out[8 + 201]], [0, 0, 0, 255])
        XCTAssertEqual(out[8 + 101], 127, "(101 − 2) / 198 · 255 = 127.5, truncated")
        // No positive voxel: plain min–max instead of MedSAM's failure.
        XCTAssertEqual(MedSAMVolumeIntensity.percentiles.apply(Tensor(shape: [3], values: [-4, -2, 0])).scalars, [0, 127, 255])
    }
}
