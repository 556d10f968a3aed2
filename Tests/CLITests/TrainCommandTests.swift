import Foundation
import TestDatasets
import XCTest

/// `aims train` and `aims eval` end to end on a tiny four-channel dataset with the tiny SAM fixture
/// (image 64, patch 8): run folder, JSON summaries, resume, evaluation and usage errors.
final class TrainCommandTests: XCTestCase {
    private var dataset: BridgeDataset!
    private var run: URL { dataset.root.deletingLastPathComponent().appendingPathComponent("run") }
    private let tinySAM = AimsProcess.tinySAM

    override func setUpWithError() throws { dataset = try BridgeDataset.make() }
    override func tearDownWithError() throws { dataset.remove() }

    private func train(_ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path, "--out", run.path,
                             "--weights", tinySAM, "--strategy", "lora", "--alignment", "simcmf", "--batch", "2", "--val-fraction", "0.34",
                             "--seed", "3", "--json"] + extra)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func metrics() throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { try json(String($0)) }
    }

    func testTrainResumeAndEvaluate() throws {
        let first = try train(["--epochs", "2"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let s = try json(first.stdout)
        XCTAssertEqual(s["epochsCompleted"] as? Int, 2)
        XCTAssertEqual((s["epochLosses"] as? [Double])?.count, 2)
        XCTAssertEqual(s["trainingSamples"] as? Int, 4); XCTAssertEqual(s["validationSamples"] as? Int, 2)
        XCTAssertEqual(s["channels"] as? Int, 4); XCTAssertEqual(s["inputSize"] as? Int, 64)
        XCTAssertEqual(s["strategy"] as? String, "lora"); XCTAssertEqual(s["normalization"] as? String, "statistics")
        XCTAssertNil(s["resumedFromEpoch"])
        XCTAssertGreaterThan(s["trainableValues"] as? Int ?? 0, 0)
        XCTAssertTrue(first.stderr.contains("epoch 2/2 step 2/2"), first.stderr)
        XCTAssertTrue(first.stderr.contains("img/s") && first.stderr.contains("ETA"), first.stderr)
        for file in ["aims-train.json", "config.json", "metrics.jsonl", "checkpoints/last.safetensors", "checkpoints/best.safetensors",
                     "validation/epoch-0.csv", "validation/epoch-1.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), file)
        }
        // Validation before epochs 0 and 1 (the last), one training line per epoch.
        let m1 = try metrics()
        XCTAssertEqual(m1.filter { $0["kind"] as? String == "train" }.compactMap { $0["epoch"] as? Int }, [0, 1])
        XCTAssertEqual(m1.filter { $0["kind"] as? String == "validation" }.compactMap { $0["epoch"] as? Int }, [0, 1])
        for line in m1 where line["kind"] as? String == "train" { XCTAssertTrue((line["loss"] as? Double)?.isFinite == true) }
        // A second run into the same folder without --resume is refused.
        let again = try train(["--epochs", "2"])
        XCTAssertEqual(again.status, 1); XCTAssertTrue(again.stderr.contains("--resume"), again.stderr)

        // Resume to 3 epochs: continues after epoch 2 with the recorded model and split.
        let resumed = try AimsProcess.run(["train", "--out", run.path, "--resume", "--epochs", "3", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let r = try json(resumed.stdout)
        XCTAssertEqual(r["resumedFromEpoch"] as? Int, 2); XCTAssertEqual(r["epochsCompleted"] as? Int, 3)
        XCTAssertEqual((r["epochLosses"] as? [Double])?.count, 1)
        XCTAssertTrue(resumed.stderr.contains("resumed from"), resumed.stderr)
        let m2 = try metrics()
        XCTAssertEqual(m2.filter { $0["kind"] as? String == "train" }.compactMap { $0["epoch"] as? Int }, [0, 1, 2])
        XCTAssertEqual(m2.filter { $0["kind"] as? String == "validation" }.compactMap { $0["epoch"] as? Int }, [0, 1, 2])

        // Evaluate the run on its validation split, with the per-region CSV.
        let csv = run.appendingPathComponent("eval.csv")
        let ev = try AimsProcess.run(["eval", "--run", run.path, "--csv", csv.path, "--json"])
        XCTAssertEqual(ev.status, 0, ev.stderr)
        let e = try json(ev.stdout)
        XCTAssertEqual(e["split"] as? String, "val"); XCTAssertEqual(e["images"] as? Int, 2); XCTAssertEqual(e["regions"] as? Int, 2)
        let miou = try XCTUnwrap(e["mIoU"] as? Double)
        XCTAssertTrue((0...1).contains(miou), "\(miou)")
        XCTAssertTrue((e["checkpoint"] as? String)?.hasSuffix("checkpoints/best.safetensors") == true)
        // The best checkpoint scored on the validation split reproduces the trainer's best validation mIoU.
        XCTAssertEqual(miou, try XCTUnwrap(r["bestValidationMIoU"] as? Double), accuracy: 1e-9)
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[0].hasPrefix("image_index,image_id,region,pixel_count"))
        // The per-region IoUs average to the reported mIoU.
        let ious = rows.dropFirst().map { Double($0.split(separator: ",")[6])! }
        XCTAssertEqual(ious.reduce(0, +) / 2, miou, accuracy: 1e-9)
        // The whole training split evaluates as well.
        let evTrain = try AimsProcess.run(["eval", "--run", run.path, "--split", "train", "--checkpoint", "last", "--json"])
        XCTAssertEqual(evTrain.status, 0, evTrain.stderr)
        XCTAssertEqual(try json(evTrain.stdout)["images"] as? Int, 4)

        // Pretrained weights without a run: zeroshot alignment (first three channels) on every sample.
        let zero = try AimsProcess.run(["eval", "--weights", tinySAM, "--modality", "square4", "--plugin", dataset.spec.path,
                                        "--data", dataset.root.path, "--json"])
        XCTAssertEqual(zero.status, 0, zero.stderr)
        let z = try json(zero.stdout)
        XCTAssertEqual(z["images"] as? Int, 6); XCTAssertEqual(z["split"] as? String, "all"); XCTAssertNil(z["checkpoint"])
        XCTAssertTrue((z["model"] as? String)?.contains("zeroshot") == true, "\(z)")

        // A dataset with a different channel count cannot continue this run.
        let three = dataset.root.deletingLastPathComponent().appendingPathComponent("three.json")
        let spec = "{\"identifier\": \"square3\", \"channels\": [" + (0..<3).map {
            "{\"name\": \"b\($0)\", \"unit\": \"1\", \"kind\": \"intensity\", \"file\": \"images/{id}.npy\", \"band\": \($0)}"
        }.joined(separator: ", ") + "], \"label\": \"labels/{id}.png\"}"
        try Data(spec.utf8).write(to: three)
        let mismatch = try AimsProcess.run(["train", "--out", run.path, "--resume", "--epochs", "4", "--modality", "square3", "--plugin", three.path])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertTrue(mismatch.stderr.contains("square3 gives 3 channels") && mismatch.stderr.contains("takes 4"), mismatch.stderr)
        let mismatchEval = try AimsProcess.run(["eval", "--run", run.path, "--modality", "square3", "--plugin", three.path, "--data", dataset.root.path])
        XCTAssertEqual(mismatchEval.status, 1); XCTAssertTrue(mismatchEval.stderr.contains("takes 4"), mismatchEval.stderr)
    }

    /// `--image-size` rebuilds the SAM for another input side (position tables resized), here 32 instead of
    /// the checkpoint's 64, with another alignment and strategy; no validation split.
    func testImageSizeAlignmentAndStrategyChoices() throws {
        let r = try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path,
                                     "--out", run.path, "--weights", tinySAM, "--strategy", "prefix", "--alignment", "baseline_b",
                                     "--image-size", "32", "--epochs", "1", "--val-fraction", "0", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try json(r.stdout)
        XCTAssertEqual(s["inputSize"] as? Int, 32); XCTAssertEqual(s["validationSamples"] as? Int, 0)
        XCTAssertEqual(s["trainingSamples"] as? Int, 6); XCTAssertEqual(s["alignment"] as? String, "baseline_b")
        XCTAssertNil(s["bestCheckpoint"])
        let config = try json(String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8))
        XCTAssertEqual(config["inputSize"] as? Int, 32); XCTAssertEqual(config["maskSize"] as? Int, 16)
        let names = try XCTUnwrap(config["trainableParameters"] as? [String])
        XCTAssertTrue(names.contains { $0.contains("prefix") } && names.contains { $0.hasPrefix("image_encoder.projector") }, "\(names)")
        XCTAssertFalse(names.contains { $0.hasPrefix("prompt_encoder") })
        // Not a multiple of the patch size (8).
        let bad = try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path,
                                       "--out", run.path + "2", "--weights", tinySAM, "--image-size", "30", "--epochs", "1"])
        XCTAssertEqual(bad.status, 1); XCTAssertTrue(bad.stderr.contains("imageSize"), bad.stderr)
    }

    func testUsageErrors() throws {
        let cases: [([String], String)] = [
            (["train", "--modality", "square4", "--data", dataset.root.path], "--out"),
            (["train", "--out", run.path, "--data", dataset.root.path], "--modality"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--strategy", "magic"], "--strategy"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--alignment", "nope"], "--alignment"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--epochs", "0"], "--epochs"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--val-fraction", "1.5"], "--val-fraction"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--bogus"], "--bogus"),
            (["eval", "--data", dataset.root.path], "--modality"),
            (["eval", "--modality", "square4", "--data", "d", "--split", "val"], "--run"),
            (["eval", "--modality", "square4", "--data", "d", "--prompt", "lasso"], "--prompt"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--normalize", "z"], "--normalize"),
            (["train", "--modality", "square4", "--data", "d", "--out", run.path, "--validate-every", "0"], "--validate-every"),
            // An option mistake found by the library (ModelFactory's RunOptionError) is a usage error too.
            (["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path, "--out", run.path,
              "--weights", tinySAM, "--strategy", "decoder"], "--strategy must be one of full, linear, lora, adapter, prompt, prefix for a SAM ViT, got decoder"),
            (["demo", "--scenes", "0"], "--scenes"),
            (["demo", "--seed", "-1"], "--seed"),
        ]
        for (args, mention) in cases {
            let r = try AimsProcess.run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("Usage: aims \(args[0])"), r.stderr)
        }
        // Resuming a folder that holds no run is an error naming the missing record.
        let r = try AimsProcess.run(["train", "--out", run.path, "--resume"])
        XCTAssertEqual(r.status, 1); XCTAssertTrue(r.stderr.contains("aims-train.json"), r.stderr)
        let help = try AimsProcess.run(["train", "--help"])
        XCTAssertEqual(help.status, 0); XCTAssertTrue(help.stdout.contains("--image-size"), help.stdout)
    }
}

extension TrainCommandTests {
    /// `--validate-last`: one more validation after the last epoch, recorded as "before epoch 2" for two epochs.
    /// Truth: `aims eval` of the run's last checkpoint (the final weights) on the same validation split gives that
    /// validation's mIoU; the same run without the flag validates only before epochs 0 and 1, and its last
    /// checkpoint (identical training: same seed, validation after training) scores the same.
    func testValidateLastScoresTheFinalWeights() throws {
        let runs = ["plain": run, "last": run.appendingPathExtension("validate-last")]
        var summaries: [String: [String: Any]] = [:]
        for (name, folder) in runs {
            let r = try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path,
                                         "--out", folder.path, "--weights", tinySAM, "--strategy", "lora", "--batch", "2",
                                         "--val-fraction", "0.34", "--seed", "3", "--epochs", "2", "--json"]
                                        + (name == "last" ? ["--validate-last"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            summaries[name] = try json(r.stdout)
        }
        defer { try? FileManager.default.removeItem(at: runs["last"]!) }
        func lines(_ folder: URL) throws -> [[String: Any]] {
            try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map { try json(String($0)) }
        }
        func evalLast(_ folder: URL) throws -> Double {
            let ev = try AimsProcess.run(["eval", "--run", folder.path, "--checkpoint", "last", "--json"])
            XCTAssertEqual(ev.status, 0, ev.stderr)
            let e = try json(ev.stdout)
            XCTAssertEqual(e["split"] as? String, "val")
            return try XCTUnwrap(e["mIoU"] as? Double)
        }
        let plain = try lines(runs["plain"]!), last = try lines(runs["last"]!)
        XCTAssertEqual(plain.map { "\($0["kind"]!) \($0["epoch"]!)" }, ["validation 0", "train 0", "validation 1", "train 1"])
        XCTAssertEqual(last.map { "\($0["kind"]!) \($0["epoch"]!)" }, ["validation 0", "train 0", "validation 1", "train 1", "validation 2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: runs["plain"]!.appendingPathComponent("validation/epoch-2.csv").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: runs["last"]!.appendingPathComponent("validation/epoch-2.csv").path))

        let final = try XCTUnwrap(last.last?["mIoU"] as? Double)
        XCTAssertEqual(try evalLast(runs["last"]!), final, accuracy: 1e-9, "the final validation scores the last checkpoint")
        XCTAssertEqual(try evalLast(runs["plain"]!), final, accuracy: 1e-9, "the same training without the flag ends with the same weights")
        XCTAssertEqual(summaries["last"]?["lastValidationMIoU"] as? Double ?? .nan, final, accuracy: 1e-9)
        XCTAssertEqual(summaries["plain"]?["lastValidationMIoU"] as? Double ?? .nan, try XCTUnwrap(plain[2]["mIoU"] as? Double), accuracy: 1e-9)
    }
}
