import Foundation
import XCTest

/// `aims synth` end to end: files in every convention, `--json`, determinism across runs, refusal to overwrite.
final class SynthCommandTests: XCTestCase {
    var dirs: [URL] = []
    override func tearDown() { for d in dirs { try? FileManager.default.removeItem(at: d) } }

    func temp() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aims-synth-cli-\(UUID().uuidString)")
        dirs.append(url)
        return url
    }

    struct Summary: Decodable {
        var scenes: Int, seed: UInt64, width: Int, height: Int, train: Int, validation: Int, files: Int, conventions: [String]
    }

    func testWritesEveryConventionWithJSONSummary() throws {
        let out = temp()
        let r = try AimsProcess.run(["synth", "--out", out.path, "--scenes", "4", "--seed", "3", "--size", "64", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("aims synth 4/4"), r.stderr)
        let s = try JSONDecoder().decode(Summary.self, from: Data(r.stdout.utf8))
        XCTAssertEqual([s.scenes, s.width, s.height, s.train, s.validation], [4, 64, 64, 3, 1])
        XCTAssertEqual(s.conventions, ["zju", "mosaic", "nyu", "ivrg", "thermal", "mosaic-rgb", "pgsnet"])
        let fm = FileManager.default
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("synth.json"))) as! [String: Any]
        let train = manifest["train"] as! [String], val = manifest["validation"] as! [String]
        XCTAssertEqual((train + val).sorted(), ["0000", "0001", "0002", "0003"])
        XCTAssertEqual((manifest["files"] as! [Any]).count + 1, s.files)
        let id = train[0]
        for path in ["zju-rgbp/train/0/\(id)_0°.png", "zju-rgbp/train/135/\(id)_135°.png", "zju-rgbp/train/label_sam/\(id).png",
                     "zju-rgbp/val/45/\(val[0])_45°.png", "polarization/\(id).png", "polarization-rgb/\(id).png", "labels/\(id).png", "depth/\(id).png",
                     "rgb/\(id).png", "NYUDepthv2/RGB/\(id).png", "NYUDepthv2/Depth/\(id).npy", "NYUDepthv2/Mask_gt/\(id).png",
                     "NYUDepthv2/HHA/\(id).png", "NYUDepthv2/train.txt", "NYUDepthv2/test.txt", "nir/\(id).png",
                     "IVRG_RGBNIR/Outdoor_dataset/RGBimages/\(id)_rgb.png", "IVRG_RGBNIR/Outdoor_dataset/NIRimages/\(id)_nir.png",
                     "IVRG_RGBNIR/Outdoor_dataset/masks/\(id)_mask.png", "IVRG_RGBNIR/IVRG-nir_test_GroundTruth.csv",
                     "thermal/\(id).fff", "RGB-Thermal-Glass/images/\(id)_rgb.png", "RGB-Thermal-Glass/images/\(id)_temperature.npy",
                     "RGB-Thermal-Glass/RGB_T_Glass_train_GroundTruth.csv", "scenes/\(id).json",
                     "PGSNet/train/image/\(id)_rgb.tiff", "PGSNet/train/aolp/\(id)_aolp.tiff", "PGSNet/train/dolp/\(id)_dolp.tiff",
                     "PGSNet/train/instance_mask/\(id)_instance_mask.png", "PGSNet/test/dolp/\(val[0])_dolp.tiff"] {
            XCTAssertTrue(fm.fileExists(atPath: out.appendingPathComponent(path).path), path)
        }
        // `aims inspect` reads the thermal file as a FLIR frame with the synthetic camera's calibration.
        let inspect = try AimsProcess.run(["inspect", out.appendingPathComponent("thermal/\(id).fff").path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("Planck R1/R2/B/F/O: 21106.76953125"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("[1, 64, 64]"), inspect.stdout)

        // Non-empty folder: refused without --force, byte-identical with it.
        let before = try Data(contentsOf: out.appendingPathComponent("synth.json"))
        let refused = try AimsProcess.run(["synth", "--out", out.path, "--scenes", "4", "--seed", "3", "--size", "64"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("not empty"), refused.stderr)
        let again = try AimsProcess.run(["synth", "--out", out.path, "--scenes", "4", "--seed", "3", "--size", "64", "--force"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("synth.json")), before)
    }

    func testConventionSubsetAndBadFlags() throws {
        let out = temp()
        let r = try AimsProcess.run(["synth", "--out", out.path, "--scenes", "2", "--seed", "9", "--size", "32x16",
                                     "--conventions", "mosaic,thermal", "--objects", "2-2", "--noise", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: out.appendingPathComponent("polarization/0000.png").path))
        XCTAssertTrue(fm.fileExists(atPath: out.appendingPathComponent("thermal/0001.fff").path))
        XCTAssertFalse(fm.fileExists(atPath: out.appendingPathComponent("zju-rgbp").path))
        XCTAssertFalse(fm.fileExists(atPath: out.appendingPathComponent("NYUDepthv2").path))
        for bad in [["--size", "31"], ["--objects", "0-5"], ["--conventions", "jpeg"], ["--val-fraction", "2"], ["--seed", "-1"]] {
            var args = ["synth", "--out", temp().path, "--scenes", "1", "--seed", "1"]
            if bad[0] == "--seed" { args.removeLast(2) }
            let b = try AimsProcess.run(args + bad)
            XCTAssertEqual(b.status, 64, "\(bad): \(b.stderr)")
        }
        let help = try AimsProcess.run(["synth", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--conventions"))
    }
}
