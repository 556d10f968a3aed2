import Foundation
import ImageIO
import TensorCore
import TestDatasets
import XCTest

/// Dataset preparation under `mpirun` (loopback, 2 and 3 ranks) against one process: `aims build` writes the
/// same manifest bytes (hashes, splits, channel statistics gathered and reduced in sample order), and
/// `aims convert` converts each rank's share of a folder into the same files and summary.
final class DistributedPreparationTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        _ = try MPIRun.executable()
        work = try ReferenceDatasets.temporaryRoot("mpi-prep")
    }
    override func tearDownWithError() throws { if let work { try? FileManager.default.removeItem(at: work) } }

    func testBuildOnSeveralRanksWritesTheSameManifestBytes() throws {
        let root = work.appendingPathComponent("NYUDepthv2")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try ReferenceDatasets.nyu(at: root, train: [1, 2, 3, 4, 7], test: [5, 6])
        func build(_ ranks: Int?, _ name: String) throws -> Data {
            let out = work.appendingPathComponent("aims/\(name).json")
            let r = try MPIRun.aims(ranks: ranks, ["build", root.path, "--dataset", "nyudepthv2", "--modality", "rgbd", "--out", out.path,
                                                   "--threads", "1", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "rank 0 alone prints: \(r.stdout)")
            return try Data(contentsOf: out)
        }
        let one = try build(nil, "one")
        XCTAssertEqual(try build(2, "two"), one)
        XCTAssertEqual(try build(3, "three"), one, "7 samples over 3 ranks: shares of 2, 2 and 3")
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: one) as? [String: Any])
        XCTAssertEqual((manifest["samples"] as? [Any])?.count, 7)
    }

    func testConvertOnTwoRanksConvertsEveryInputOnce() throws {
        let input = work.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for (k, name) in ["a.png", "b.png", "sub/c.png", "sub/d.png", "sub/e.png"].enumerated() {
            try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 2, 2], values: [Float(k), 1000, 2000, 3000]), dtype: .uint16),
                               to: input.appendingPathComponent(name))
        }
        try Data("not an image".utf8).write(to: input.appendingPathComponent("sub/broken.png"))
        func convert(_ ranks: Int?, _ name: String) throws -> (MPIRun.Result, URL) {
            let out = work.appendingPathComponent(name)
            return (try MPIRun.aims(ranks: ranks, ["convert", "depth", input.path, "--out", out.path, "--format", "npy", "--json"]), out)
        }
        let (one, outOne) = try convert(nil, "one")
        let (two, outTwo) = try convert(2, "two")
        XCTAssertEqual(one.status, 1, one.stderr); XCTAssertEqual(two.status, 1, "a failed input, as alone: \(two.stderr)")
        XCTAssertFalse(two.stderr.contains("stopping every rank"), "a failed input is an agreed exit status, not a crash: \(two.stderr)")
        XCTAssertTrue(two.stderr.contains("5 converted, 1 failed on 2 ranks"), two.stderr)
        XCTAssertTrue(two.stderr.contains("sub/broken.png"), two.stderr)
        // The same summary but for the output folder, and the same files.
        XCTAssertEqual(two.stdout.replacingOccurrences(of: outTwo.path, with: "OUT"), one.stdout.replacingOccurrences(of: outOne.path, with: "OUT"))
        for p in ["a.npy", "b.npy", "sub/c.npy", "sub/d.npy", "sub/e.npy", "sub/e.json"] {
            XCTAssertEqual(try Data(contentsOf: outTwo.appendingPathComponent(p)), try Data(contentsOf: outOne.appendingPathComponent(p)), p)
        }
    }
}
