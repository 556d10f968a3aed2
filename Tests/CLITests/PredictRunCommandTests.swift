import Foundation
import ImageIO
import TensorCore
import TensorFiles
import TensorKernels
import TestDatasets
import XCTest

/// `aims predict --run` on a tiny trained run (the four-channel square dataset, the tiny SAM fixture, one
/// epoch): one sample and a folder batch with a box, the refusals (a sample with the wrong channel count, a
/// tampered checkpoint, a run without hashes), and `--everything` with a run and with `--image`.
final class PredictRunCommandTests: XCTestCase {
    private var dataset: BridgeDataset!
    private var base: URL { dataset.root.deletingLastPathComponent() }
    private var run: URL { base.appendingPathComponent("run") }
    private let tinySAM = AimsProcess.tinySAM

    override func setUpWithError() throws {
        dataset = try BridgeDataset.make()
        let r = try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path,
                                     "--out", run.path, "--weights", tinySAM, "--strategy", "lora", "--alignment", "simcmf",
                                     "--batch", "2", "--val-fraction", "0.34", "--epochs", "1", "--seed", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    override func tearDownWithError() throws { dataset.remove() }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func sample(_ id: String) -> String { dataset.root.appendingPathComponent("images/\(id).npy").path }

    func testBoxOnOneSampleAndOnAFolder() throws {
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("hashes.json").path))
        let out = base.appendingPathComponent("pred")
        let sq = dataset.squares["s01"]!, side = dataset.squareSide
        let box = "\(sq.x),\(sq.y),\(sq.x + side),\(sq.y + side)"
        let one = try AimsProcess.run(["predict", "--run", run.path, "--sample", sample("s01"), "--box", box, "--out", out.path, "--json"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let r = try json(one.stdout)
        XCTAssertEqual(r["modality"] as? String, "square4")
        XCTAssertTrue((r["checkpoint"] as? String)?.hasSuffix("best.safetensors") == true)
        let s = try XCTUnwrap((r["samples"] as? [[String: Any]])?.first)
        XCTAssertEqual(s["id"] as? String, "s01"); XCTAssertEqual(s["height"] as? Int, 24); XCTAssertEqual(s["width"] as? Int, 24)
        let maskPath = try XCTUnwrap(s["mask"] as? String)
        XCTAssertEqual(maskPath, out.appendingPathComponent("s01-mask.png").path)
        // The mask is at the capture's size, its pixel count and box as reported.
        let mask = try ImageReader.read(URL(fileURLWithPath: maskPath))
        XCTAssertEqual([mask.channels, mask.height, mask.width], [1, 24, 24])
        XCTAssertEqual(mask.toTensor().scalars.filter { $0 == 255 }.count, s["maskPixels"] as? Int)
        XCTAssertTrue((0...1).contains(try XCTUnwrap(s["predictedIoU"] as? Double)))
        let overlay = try ImageReader.read(URL(fileURLWithPath: try XCTUnwrap(s["overlay"] as? String)))
        XCTAssertEqual([overlay.channels, overlay.height, overlay.width], [3, 24, 24])

        // A folder: the modality's own discovery, every sample, progress on stderr.
        let batch = try AimsProcess.run(["predict", "--run", run.path, "--checkpoint", "last", "--sample", dataset.root.path, "--box", "2,2,20,20",
                                         "--out", out.path, "--json"])
        XCTAssertEqual(batch.status, 0, batch.stderr)
        let b = try json(batch.stdout)
        let list = try XCTUnwrap(b["samples"] as? [[String: Any]])
        XCTAssertEqual(list.compactMap { $0["id"] as? String }, dataset.ids)
        for item in list {
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(item["mask"] as? String)))
            XCTAssertNotNil(item["maskPixels"] as? Int); XCTAssertNotNil(item["predictedIoU"] as? Double)
        }
        XCTAssertTrue(batch.stderr.contains("predict 6/6"), batch.stderr)
        XCTAssertTrue((b["checkpoint"] as? String)?.hasSuffix("last.safetensors") == true)
    }

    func testRefusals() throws {
        let out = base.appendingPathComponent("pred")
        // A sample with three bands where the run's modality reads four.
        let three = base.appendingPathComponent("three.npy")
        try NPY.write(Tensor(shape: [3, 24, 24], repeating: 0.5), to: three)
        let wrong = try AimsProcess.run(["predict", "--run", run.path, "--sample", three.path, "--box", "1,1,10,10", "--out", out.path])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("three.npy") && wrong.stderr.contains("band") && wrong.stderr.contains("3 channels"), wrong.stderr)
        // A box outside the capture.
        let outside = try AimsProcess.run(["predict", "--run", run.path, "--sample", sample("s00"), "--box", "1,1,30,10", "--out", out.path])
        XCTAssertEqual(outside.status, 1); XCTAssertTrue(outside.stderr.contains("--box"), outside.stderr)
        // A checkpoint changed after training.
        let best = run.appendingPathComponent("checkpoints/best.safetensors")
        let original = try Data(contentsOf: best)
        try (original + Data([0])).write(to: best)
        let tampered = try AimsProcess.run(["predict", "--run", run.path, "--sample", sample("s00"), "--box", "1,1,10,10", "--out", out.path])
        XCTAssertEqual(tampered.status, 1)
        XCTAssertTrue(tampered.stderr.contains("best.safetensors") && tampered.stderr.contains("changed since training"), tampered.stderr)
        let eval = try AimsProcess.run(["eval", "--run", run.path])
        XCTAssertEqual(eval.status, 1); XCTAssertTrue(eval.stderr.contains("changed since training"), eval.stderr)
        // A run from before hashes.json: a warning, no refusal.
        try original.write(to: best)
        try FileManager.default.removeItem(at: run.appendingPathComponent("hashes.json"))
        let old = try AimsProcess.run(["predict", "--run", run.path, "--sample", sample("s00"), "--box", "1,1,10,10", "--out", out.path, "--json"])
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertTrue(old.stderr.contains("warning") && old.stderr.contains("hashes.json"), old.stderr)
        XCTAssertEqual((try json(old.stdout)["warnings"] as? [String])?.count, 1)
    }

    func testEverythingWithARunAndWithAnImage() throws {
        let out = base.appendingPathComponent("everything")
        // Thresholds 0 keep every mask the grid finds (the tiny model's IoU predictions are not calibrated).
        let r = try AimsProcess.run(["predict", "--run", run.path, "--sample", sample("s02"), "--everything", "--points-per-side", "4",
                                     "--pred-iou-thresh", "0", "--stability-score-thresh", "0", "--out", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try XCTUnwrap((try json(r.stdout)["samples"] as? [[String: Any]])?.first)
        try checkEverything(labels: try XCTUnwrap(s["labels"] as? String), masksFile: try XCTUnwrap(s["masksFile"] as? String),
                            reported: try XCTUnwrap(s["masks"] as? [[String: Any]]), side: 24)
        XCTAssertTrue(r.stderr.contains("everything s02 16/16"), r.stderr)

        // With --image and pretrained weights (the tiny SAM: three masks per point, SAMPredictor's geometry).
        let picture = base.appendingPathComponent("picture.png")
        var v = [Float](repeating: 40, count: 3 * 20 * 30)
        for c in 0..<3 { for y in 5..<14 { for x in 8..<20 { v[c * 600 + y * 30 + x] = 220 } } }
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [3, 20, 30], values: v), dtype: .uint8), to: picture)
        let labels = base.appendingPathComponent("labels.png")
        let i = try AimsProcess.run(["predict", "--image", picture.path, "--weights", tinySAM, "--everything", "--points-per-side", "3",
                                     "--pred-iou-thresh", "0", "--stability-score-thresh", "0", "--crop-n-layers", "1",
                                     "--out", labels.path, "--overlay", base.appendingPathComponent("o.png").path, "--json"])
        XCTAssertEqual(i.status, 0, i.stderr)
        let m = try json(i.stdout)
        XCTAssertEqual(m["masksFile"] as? String, base.appendingPathComponent("labels.json").path)
        // Thresholds 0 keep masks whose stability score is 0/0: null in the JSON.
        XCTAssertTrue((m["masks"] as? [[String: Any]])?.allSatisfy { $0["stabilityScore"] is Double || $0["stabilityScore"] is NSNull } == true)
        try checkEverything(labels: labels.path, masksFile: try XCTUnwrap(m["masksFile"] as? String),
                            reported: try XCTUnwrap(m["masks"] as? [[String: Any]]), height: 20, width: 30)
        XCTAssertEqual(try ImageReader.read(base.appendingPathComponent("o.png")).width, 30)
    }

    /// A LiteMedSAM run (zero-shot channels, decoder trained): a box on one sample, and everything with one mask per
    /// point (at most 4 × 4 masks).
    func testLiteMedSAMRun() throws {
        let weights = try TestWeights.liteMedSAM
        let lite = base.appendingPathComponent("lite")
        let t = try AimsProcess.run(["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path,
                                     "--out", lite.path, "--weights", weights.path, "--alignment", "zeroshot", "--strategy", "decoder",
                                     "--epochs", "1", "--batch", "2", "--val-fraction", "0.34"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let out = base.appendingPathComponent("lite-pred")
        let sq = dataset.squares["s03"]!, side = dataset.squareSide
        let r = try AimsProcess.run(["predict", "--run", lite.path, "--sample", sample("s03"), "--box",
                                     "\(sq.x),\(sq.y),\(sq.x + side),\(sq.y + side)", "--out", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try XCTUnwrap((try json(r.stdout)["samples"] as? [[String: Any]])?.first)
        let mask = try ImageReader.read(URL(fileURLWithPath: try XCTUnwrap(s["mask"] as? String)))
        XCTAssertEqual([mask.height, mask.width], [24, 24])
        XCTAssertTrue((try json(r.stdout)["model"] as? String)?.contains("LiteMedSAM") == true, r.stdout)
        let e = try AimsProcess.run(["predict", "--run", lite.path, "--sample", sample("s03"), "--everything", "--points-per-side", "4",
                                     "--pred-iou-thresh", "0", "--stability-score-thresh", "0", "--out", out.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let es = try XCTUnwrap((try json(e.stdout)["samples"] as? [[String: Any]])?.first)
        let masks = try XCTUnwrap(es["masks"] as? [[String: Any]])
        XCTAssertLessThanOrEqual(masks.count, 16)
        try checkEverything(labels: try XCTUnwrap(es["labels"] as? String), masksFile: try XCTUnwrap(es["masksFile"] as? String),
                            reported: masks, side: 24)
    }

    /// The label PNG is 16-bit at the capture's size; the masks file lists as many masks as reported, labels 1…n by
    /// decreasing area; every label in the image is one of them.
    private func checkEverything(labels: String, masksFile: String, reported: [[String: Any]], side: Int? = nil, height: Int? = nil,
                                 width: Int? = nil) throws {
        let image = try ImageReader.read(URL(fileURLWithPath: labels))
        XCTAssertEqual(image.dtype, .uint16)
        XCTAssertEqual([image.height, image.width], [height ?? side!, width ?? side!])
        let file = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: masksFile))) as? [[String: Any]])
        XCTAssertEqual(file.count, reported.count)
        XCTAssertGreaterThan(file.count, 0)
        XCTAssertEqual(file.compactMap { $0["label"] as? Int }, Array(1...file.count))
        let areas = file.compactMap { $0["area"] as? Int }
        XCTAssertEqual(areas, areas.sorted(by: >))
        let used = Set(image.toTensor().scalars.map { Int($0) })
        XCTAssertTrue(used.isSubset(of: Set(0...file.count)), "\(used)")
        for mask in file { XCTAssertEqual((mask["box"] as? [Int])?.count, 4); XCTAssertEqual((mask["cropBox"] as? [Int])?.count, 4) }
    }

    /// `--modality`: another modality whose channels are exactly the run's decodes the samples (the same array read
    /// through another plugin gives the same mask); one that differs in a channel's unit or name, or in the channel
    /// count, is refused naming the channel and both descriptions; `--layout` that nothing uses is refused.
    func testAnotherModalityMustGiveTheRunsChannels() throws {
        func plugin(_ name: String, units: [String] = ["1", "1", "1", "1"], names: [String] = ["b0", "b1", "b2", "b3"]) throws -> URL {
            let channels = zip(names, units).enumerated().map { c, nu in
                "{\"name\": \"\(nu.0)\", \"unit\": \"\(nu.1)\", \"kind\": \"intensity\", \"file\": \"raw/{id}.npy\", \"band\": \(c)}"
            }.joined(separator: ", ")
            let url = base.appendingPathComponent("\(name).json")
            try Data("{\"identifier\": \"\(name)\", \"channels\": [\(channels)]}".utf8).write(to: url)
            return url
        }
        let out = base.appendingPathComponent("other")
        let sq = dataset.squares["s03"]!, side = dataset.squareSide
        let box = "\(sq.x),\(sq.y),\(sq.x + side),\(sq.y + side)"
        let own = try AimsProcess.run(["predict", "--run", run.path, "--sample", sample("s03"), "--box", box, "--out", out.appendingPathComponent("own").path])
        XCTAssertEqual(own.status, 0, own.stderr)
        let same = try plugin("same4")
        let r = try AimsProcess.run(["predict", "--run", run.path, "--modality", "same4", "--plugin", same.path, "--sample", sample("s03"),
                                     "--box", box, "--out", out.appendingPathComponent("same").path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try json(r.stdout)["modality"] as? String, "same4")
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("same/s03-mask.png")),
                       try Data(contentsOf: out.appendingPathComponent("own/s03-mask.png")))

        let kelvin = try plugin("kelvin4", units: ["K", "1", "1", "1"])
        let k = try AimsProcess.run(["predict", "--run", run.path, "--modality", "kelvin4", "--plugin", kelvin.path, "--sample", sample("s03"),
                                     "--box", box, "--out", out.path])
        XCTAssertEqual(k.status, 1)
        XCTAssertTrue(k.stderr.contains("kelvin4") && k.stderr.contains("channel 0") && k.stderr.contains("b0 in 1 (intensity)")
                      && k.stderr.contains("b0 in K (intensity)"), k.stderr)
        let renamed = try plugin("renamed4", names: ["b0", "b1", "nir", "b3"])
        let n = try AimsProcess.run(["predict", "--run", run.path, "--modality", "renamed4", "--plugin", renamed.path, "--sample", sample("s03"),
                                     "--box", box, "--out", out.path])
        XCTAssertEqual(n.status, 1)
        XCTAssertTrue(n.stderr.contains("channel 2") && n.stderr.contains("nir in 1"), n.stderr)
        let nine = try AimsProcess.run(["predict", "--run", run.path, "--modality", "zju-rgbp-mosaic", "--sample", sample("s03"),
                                        "--box", box, "--out", out.path])
        XCTAssertEqual(nine.status, 1)
        XCTAssertTrue(nine.stderr.contains("channels") && nine.stderr.contains("4 (b0 in 1") && nine.stderr.contains("9 (I R in counts"), nine.stderr)
        let layout = try AimsProcess.run(["predict", "--run", run.path, "--layout", "imx250mzr-legacy", "--sample", sample("s03"),
                                          "--box", box, "--out", out.path])
        XCTAssertEqual(layout.status, 1)
        XCTAssertTrue(layout.stderr.contains("--layout") && layout.stderr.contains("square4"), layout.stderr)
    }

    func testUsageErrors() throws {
        for args in [["predict", "--run", run.path, "--out", "/tmp/x", "--box", "1,1,2,2"],
                     ["predict", "--image", "a.png", "--sample", "b.png", "--box", "1,1,2,2", "--out", "/tmp/x.png"],
                     ["predict", "--run", run.path, "--sample", sample("s00"), "--everything", "--box", "1,1,2,2", "--out", "/tmp/x"],
                     ["predict", "--run", run.path, "--sample", sample("s00"), "--box", "1,1,2,2", "--points-per-side", "4", "--out", "/tmp/x"],
                     ["predict", "--run", run.path, "--image", "a.png", "--box", "1,1,2,2", "--out", "/tmp/x"],
                     ["predict", "--run", run.path, "--sample", sample("s00"), "--plugin", "p.json", "--box", "1,1,2,2", "--out", "/tmp/x"],
                     ["predict", "--image", "a.png", "--modality", "rgb", "--box", "1,1,2,2", "--out", "/tmp/x.png"],
                     ["predict", "--run", run.path, "--sample", sample("s00"), "--everything", "--crop-n-layers", "2",
                      "--points-per-side", "2", "--crop-n-points-downscale-factor", "2", "--out", "/tmp/x"]] {
            let r = try AimsProcess.run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
    }
}
