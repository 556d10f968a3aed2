import Foundation
import ImageIO
import TensorCore
import TensorKernels
import XCTest

/// `aims predict-volume` and `aims predict --out X.tif` run as a user would, with the real LiteMedSAM.
final class PredictVolumeCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("predict-volume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testDICOMSeriesMaskWithJSONAndProgress() throws {
        let out = dir.appendingPathComponent("mask.nii.gz")
        let r = try AimsProcess.run(["predict-volume", "--volume", "fixtures/volume/dicom_oblique", "--box3d", "2,2,0,13,13,3",
                                     "--weights", try TestWeights.liteMedSAM.path, "--out", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for k in 0..<4 { XCTAssertTrue(r.stderr.contains("slice \(k): box 2,2,13,13"), r.stderr) }
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let result = try XCTUnwrap(report["result"] as? [String: Any])
        XCTAssertEqual(result["shape"] as? [Int], [16, 16, 4])
        XCTAssertEqual(result["axisCodes"] as? String, "LAI")
        XCTAssertEqual(result["slicesSegmented"] as? [Int], [0, 1, 2, 3])
        let mask = try XCTUnwrap(result["mask"] as? [String: Any])
        let written = try NIfTIVolume(contentsOf: out)
        XCTAssertEqual(mask["voxels"] as? Int, Int(written.voxels.toTensor().scalars.reduce(0, +)))
        if let box = mask["boxVoxels"] as? [Int] {
            XCTAssertEqual(box.count, 6)
            XCTAssertEqual((mask["boxMillimetres"] as? [Double])?.count, 6)
        }
        let source = try MedicalVolume(contentsOf: AimsProcess.repository.appendingPathComponent("fixtures/volume/dicom_oblique"))
        XCTAssertEqual(written.header.spatial, source.header.spatial.roundedToFloat32)
        XCTAssertEqual(written.header.dimensions, [16, 16, 4])
    }

    func testUsageAndInputErrors() throws {
        let out = dir.appendingPathComponent("m.nii").path
        let volume = "fixtures/volume/ellipsoid_oblique.nii.gz"
        for args in [["--volume", volume, "--out", out],
                     ["--volume", volume, "--box", "1,1,5,5", "--out", out],
                     ["--volume", volume, "--box", "1,1,5,5", "--slice", "2", "--box3d", "1,1,0,5,5,2", "--out", out],
                     ["--volume", volume, "--box3d", "1,1,0.5,5,5,2", "--out", out],
                     ["--volume", volume, "--box", "1,1,70,5", "--slice", "2", "--out", out],
                     ["--volume", volume, "--box", "1,1,5,5", "--slice", "2", "--out", dir.appendingPathComponent("m.png").path]] {
            let r = try AimsProcess.run(["predict-volume"] + args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("loading"), "no weights are loaded for a usage error")
        }
        let mixed = try AimsProcess.run(["predict-volume", "--volume", "fixtures/volume/dicom_mixed", "--box3d", "1,1,0,5,5,1", "--out", out])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.contains("1.2.826.0.1.3680043.8.498.2001 (2 files)")
                      && mixed.stderr.contains("1.2.826.0.1.3680043.8.498.2002 (1 file)"), mixed.stderr)
    }

    func testPredictedTIFFMaskKeepsTheSourcesGeoTIFFTags() throws {
        let source = AimsProcess.repository.appendingPathComponent("fixtures/volume/geotiff_scale_tiepoint.tif")
        let out = dir.appendingPathComponent("mask.tif")
        let r = try AimsProcess.run(["predict", "--image", source.path, "--box", "7,5,22,16", "--weights", try TestWeights.liteMedSAM.path,
                                     "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let mask = try TIFFCodec.read(out)
        var tags = try XCTUnwrap(try TIFFCodec.read(source).info?.geoTags)
        tags.gdalNoData = nil   // the source's nodata value describes its samples, not the mask's
        XCTAssertEqual(mask.info?.geoTags, tags)
        XCTAssertEqual([mask.width, mask.height, mask.channels], [32, 24, 1])
        let inside = mask.toTensor().scalars.filter { $0 == 255 }.count
        XCTAssertGreaterThan(inside, 100, "the bright 14 x 10 rectangle")
        XCTAssertLessThan(inside, 200)
    }
}
