import Foundation
import TestDatasets
import XCTest

/// `aims build` end to end, then `aims train --manifest` / `aims eval --manifest` on the tiny SAM fixture.
final class BuildCommandTests: XCTestCase {
    private var root: URL!
    private var work: URL!
    private let tinySAM = AimsProcess.tinySAM

    override func setUpWithError() throws {
        work = try ReferenceDatasets.temporaryRoot("build-cli")
        root = work.appendingPathComponent("NYUDepthv2")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try ReferenceDatasets.nyu(at: root, train: [1, 2, 3, 4], test: [5, 6])
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    private func build(_ out: URL, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try AimsProcess.run(["build", root.path, "--dataset", "nyudepthv2", "--modality", "rgbd", "--out", out.path, "--threads", "2"] + extra)
    }

    func testBuildTwiceIsByteIdenticalThenTrainAndEvalFromManifest() throws {
        let a = work.appendingPathComponent("aims/nyu.json"), b = work.appendingPathComponent("aims/nyu-again.json")
        let first = try build(a, ["--json"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("build: hash + decode 6/6"), first.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["train"] as? Int, 4); XCTAssertEqual(summary["test"] as? Int, 2)
        XCTAssertEqual(try build(b).status, 0)
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: a)) as? [String: Any])
        XCTAssertEqual(manifest["root"] as? String, "../NYUDepthv2")

        // Train 1 epoch from the manifest as the reference does (official scheme, validated and selected on test:
        // --select-on test, optimistic), then evaluate its test split.
        let run = work.appendingPathComponent("run")
        let t = try AimsProcess.run(["train", "--manifest", a.path, "--split-scheme", "official", "--select-on", "test", "--out", run.path,
                                     "--weights", tinySAM, "--strategy", "lora", "--alignment", "simcmf", "--batch", "2", "--epochs", "1", "--json"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let ts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(t.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(ts["trainingSamples"] as? Int, 4); XCTAssertEqual(ts["validationSamples"] as? Int, 2)
        XCTAssertEqual(ts["normalization"] as? String, "manifest"); XCTAssertEqual(ts["channels"] as? Int, 4)
        let selection = try XCTUnwrap(ts["modelSelection"] as? [String: Any])
        XCTAssertEqual(selection["split"] as? String, "test"); XCTAssertEqual(selection["optimistic"] as? Bool, true)
        let e = try AimsProcess.run(["eval", "--run", run.path, "--manifest", a.path, "--split", "test", "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let es = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(es["images"] as? Int, 2); XCTAssertEqual(es["split"] as? String, "test")
        // The best validation mIoU of the run is its evaluation on test (the same samples, model and protocol) ...
        XCTAssertEqual(es["mIoU"] as? Double ?? -1, ts["bestValidationMIoU"] as? Double ?? -2, accuracy: 1e-9)
        // ... which the evaluation says: the test score of a model selected on test is optimistic.
        XCTAssertEqual((es["modelSelection"] as? [String: Any])?["optimistic"] as? Bool, true)
        let et = try AimsProcess.run(["eval", "--run", run.path, "--manifest", a.path, "--split", "test"])
        XCTAssertTrue(et.stdout.contains("model selection: test (OPTIMISTIC)"), et.stdout)

        // The official scheme by default never looks at test: all of train trains, nothing is validated or selected.
        let plain = work.appendingPathComponent("run-official")
        let o = try AimsProcess.run(["train", "--manifest", a.path, "--split-scheme", "official", "--out", plain.path, "--weights", tinySAM,
                                     "--strategy", "lora", "--batch", "2", "--epochs", "1", "--json"])
        XCTAssertEqual(o.status, 0, o.stderr)
        let os = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(os["trainingSamples"] as? Int, 4); XCTAssertEqual(os["validationSamples"] as? Int, 0)
        XCTAssertNil(os["bestValidationMIoU"])
        XCTAssertEqual((os["modelSelection"] as? [String: Any])?["split"] as? String, "none")
        XCTAssertEqual((os["modelSelection"] as? [String: Any])?["optimistic"] as? Bool, false)
        for (args, mention) in [(["--split-scheme", "official", "--select-on", "val"], "--select-on val"),
                                (["--select-on", "test"], "--split-scheme official")] {
            let refused = try AimsProcess.run(["train", "--manifest", a.path, "--out", work.appendingPathComponent("run-refused").path,
                                               "--weights", tinySAM, "--epochs", "1"] + args)
            XCTAssertEqual(refused.status, 64, refused.stderr)
            XCTAssertTrue(refused.stderr.contains(mention), refused.stderr)
        }

        // Resume reads the samples from the recorded manifest again.
        let resumed = try AimsProcess.run(["train", "--out", run.path, "--resume", "--epochs", "2", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let rs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(rs["resumedFromEpoch"] as? Int, 1); XCTAssertEqual(rs["trainingSamples"] as? Int, 4)

        // Pretrained weights on the manifest's val split (no run): modality and root from the manifest.
        let p = try AimsProcess.run(["eval", "--manifest", a.path, "--split", "val", "--weights", tinySAM, "--json"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let ps = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(ps["images"] as? Int, 1); XCTAssertEqual(ps["modality"] as? String, "rgbd")

        // A 50 % fraction of the validation scheme trains on the manifest's subset minus val only.
        let m = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: a)) as? [String: Any])
        let splits = try XCTUnwrap(m["splits"] as? [String: Any]), fractions = try XCTUnwrap(m["fractions"] as? [String: [String]])
        let expected = Set(try XCTUnwrap(splits["validationTrain"] as? [String])).intersection(try XCTUnwrap(fractions["50"]))
        let run3 = work.appendingPathComponent("run3")
        let f = try AimsProcess.run(["train", "--manifest", a.path, "--fraction", "50", "--out", run3.path, "--weights", tinySAM,
                                     "--strategy", "lora", "--batch", "2", "--epochs", "1", "--json"])
        XCTAssertEqual(f.status, 0, f.stderr)
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: run3.appendingPathComponent("aims-train.json"))) as? [String: Any])
        let split = try XCTUnwrap(record["split"] as? [String: [String]])
        XCTAssertEqual(Set(split["training"] ?? []), expected)
        XCTAssertEqual(split["validation"], splits["val"] as? [String])
        XCTAssertEqual(record["manifest"] as? String, a.path)
        // The validation scheme selects on val: held out from training, and not test.
        XCTAssertEqual(record["selectedOn"] as? String, "val")
        let fs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(f.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((fs["modelSelection"] as? [String: Any])?["split"] as? String, "val")
        XCTAssertEqual((fs["modelSelection"] as? [String: Any])?["optimistic"] as? Bool, false)

        // A changed file is refused by name.
        var bytes = try Data(contentsOf: root.appendingPathComponent("RGB/2.png"))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: root.appendingPathComponent("RGB/2.png"))
        let refused = try AimsProcess.run(["train", "--manifest", a.path, "--split-scheme", "official", "--out", work.appendingPathComponent("run2").path,
                                           "--weights", tinySAM, "--epochs", "1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("RGB/2.png: content changed"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("run2/aims-train.json").path))
    }

    func testStrictRefusesABrokenFolderAndWritesNothing() throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent("Depth/2.npy"))
        let png = root.appendingPathComponent("RGB/3.png")
        let full = try Data(contentsOf: png)
        try full.prefix(full.count / 2).write(to: png)
        let out = work.appendingPathComponent("aims/broken.json")
        let strict = try build(out, ["--strict"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("Depth/2.npy: missing") && strict.stderr.contains("RGB/3.png: unreadable"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        let left = (try? FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path)) ?? []
        XCTAssertEqual(left.filter { $0.contains("broken") }, [])   // no temporary file either
        let lenient = try build(out)
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stdout.contains("2 problem(s)"), lenient.stdout)
    }

    func testUsageErrors() throws {
        let out = work.appendingPathComponent("x.json").path
        for (args, message) in [(["build", root.path, "--modality", "rgbd", "--out", out], "--dataset"),
                                (["build", root.path, "--dataset", "nyu2", "--modality", "rgbd", "--out", out], "--dataset"),
                                (["build", root.path, "--dataset", "nyudepthv2", "--modality", "rgbd", "--out", out, "--fractions", "0,50"], "--fractions"),
                                (["build", root.path, "--dataset", "nyudepthv2", "--modality", "zju-rgbp", "--out", out], "rgbd"),
                                (["train", "--modality", "rgbd", "--data", root.path, "--out", out, "--fraction", "10"], "--manifest")] {
            let r = try AimsProcess.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let help = try AimsProcess.run(["build", "--help"])
        XCTAssertEqual(help.status, 0); XCTAssertTrue(help.stdout.contains("--strict"))
    }
}
