import Foundation
import XCTest
@testable import ImageIO

/// NIfTI qform/sform → affine, and the qform a writer derives from an affine, against nibabel 5.4.2.
final class NIfTIGeometryTests: XCTestCase {
    func testAffinesAndOrientationMatchNibabel() throws {
        for name in ["ellipsoid_oblique.nii.gz", "qform_only.nii"] {
            let truth = VolumeFixtures.entry(name)
            let header = try NIfTIVolume(contentsOf: VolumeFixtures.url(name)).header
            XCTAssertEqual(header.dimensions, VolumeFixtures.ints(truth["shape"]), name)
            // nibabel evaluates the quaternion in float32: agreement to float32 precision.
            XCTAssertLessThan(header.affine.maxDifference(VolumeFixtures.affine(truth["affine"])), 2e-5, name)
            XCTAssertEqual(header.affine.axisCodes, truth["axcodes"] as? String, name)
            let fields = truth["header"] as! [String: Any]
            if let q = header.qformAffine {
                XCTAssertLessThan(q.maxDifference(VolumeFixtures.affine(truth["qform"])), 2e-5, name)
            } else {
                XCTAssertEqual(fields["qform_code"] as? Int, 0)
            }
            if header.sformAffine != nil {
                let bits = (fields["srow_bits"] as! [Any]).map(VolumeFixtures.uints)
                XCTAssertEqual(header.spatial.srow.map { $0.map(VolumeFixtures.bits) }, bits, "\(name): srow as stored")
            } else {
                XCTAssertEqual(fields["sform_code"] as? Int, 0)
            }
            XCTAssertEqual(header.spatial.qformCode, fields["qform_code"] as? Int, name)
            XCTAssertEqual(header.spatial.sformCode, fields["sform_code"] as? Int, name)
        }
        XCTAssertEqual(try NIfTIVolume(contentsOf: VolumeFixtures.url("qform_only.nii")).header.spatial.qfac, -1)
    }

    /// nibabel's `set_qform` for affines covering every branch of the quaternion, 180-degree turns included.
    /// A 180-degree turn (a = 0) has two quaternions, (b, c, d) and (−b, −c, −d), for one rotation; aims takes the
    /// NIfTI-1 reference's (`mat44_to_quatern`, as dcm2niix and ITK), nibabel whichever sign its eigenvector solver
    /// returns, so there only the sign may differ (it does for the coronal case).
    func testQuaternionsFromAffinesMatchNibabelBitForBit() throws {
        for case let c as [String: Any] in VolumeFixtures.reference["qform_cases"] as! [Any] {
            let name = c["name"] as! String
            let affine = VolumeFixtures.affine(c["affine"])
            let q = try XCTUnwrap(QuaternionForm(affine: affine), name)
            let expected = VolumeFixtures.uints(c["quatern_bits"])
            let halfTurn = q.quaternion.reduce(0) { $0 + $1 * $1 } > 1 - 1e-12
            let negated = q.quaternion.map { VolumeFixtures.bits($0 == 0 ? 0 : -$0) }
            if !(halfTurn && negated == expected) {
                XCTAssertEqual(q.quaternion.map(VolumeFixtures.bits), expected, name)
            }
            XCTAssertEqual(VolumeFixtures.bits(q.qfac), (c["qfac_bits"] as! NSNumber).uint32Value, name)
            XCTAssertEqual(q.voxelSize.map(VolumeFixtures.bits), VolumeFixtures.uints(c["zooms_bits"]), name)
            XCTAssertLessThan(q.affine.maxDifference(VolumeFixtures.affine(c["qform"])), 1e-6, name)
            XCTAssertEqual(affine.axisCodes, c["axcodes"] as? String, name)
        }
    }
}
