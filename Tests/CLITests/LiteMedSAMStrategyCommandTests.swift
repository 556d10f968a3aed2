import Foundation
import ImageIO
import SimCMF
import TestDatasets
import XCTest

/// LiteMedSAM (real weights) through `aims eval` / `aims train` on the tiny four-channel dataset: the
/// zero-shot alignment for C != 3 with `--overlays`, and `--init scratch` recorded and rebuilt.
final class LiteMedSAMStrategyCommandTests: XCTestCase {
    private var dataset: BridgeDataset!
    private var work: URL { dataset.root.deletingLastPathComponent() }

    private var weights: String { get throws { try TestWeights.liteMedSAM.path } }

    override func setUpWithError() throws { dataset = try BridgeDataset.make(count: 2) }
    override func tearDownWithError() throws { dataset.remove() }

    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    /// Zero-shot on 4 channels (the first three feed TinyViT). Overlays of channel 3 (the square, 5 on
    /// 0): every pixel is the grey background, a predicted pixel (red blended at half opacity: R − G =
    /// 127.5 before rounding, G = B), the ground-truth outline in pure red around the square, or the
    /// green click at the CSV's click; the file name carries the region's IoU.
    func testZeroShotEvaluationWritesOverlays() throws {
        let overlays = work.appendingPathComponent("overlays")
        let r = try AimsProcess.run(["eval", "--weights", try weights, "--alignment", "zeroshot", "--modality", "square4",
                                     "--plugin", dataset.spec.path, "--data", dataset.root.path, "--overlays", overlays.path,
                                     "--overlay-channel", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try json(r.stdout)
        XCTAssertEqual(report["images"] as? Int, 2)
        XCTAssertTrue((report["model"] as? String)?.contains("zero-shot channels 0,1,2 of 4") == true, "\(report)")
        let rows = try String(contentsOf: overlays.appendingPathComponent("overlays.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.first, "file,image_index,region,colour,iou,dice,click_x,click_y")
        XCTAssertEqual(rows.count, 3, "one region per image")
        let scale = 256.0 / Double(dataset.side)
        for (k, row) in rows.dropFirst().enumerated() {
            let f = row.split(separator: ",").map(String.init)
            let iou = try XCTUnwrap(Double(f[4]))
            XCTAssertTrue(f[0].hasPrefix(String(format: "%05d-s%02d-iou", k, k)) && f[0].hasSuffix(String(format: "%.4f.png", iou)), f[0])
            XCTAssertEqual(f[3], "#ff0000")
            let picture = try ImageReader.read(overlays.appendingPathComponent(f[0]))
            XCTAssertEqual([picture.channels, picture.height, picture.width], [3, 256, 256])
            let px = picture.bytes
            func rgb(_ x: Int, _ y: Int) -> [Int] { (0..<3).map { Int(px[(y * 256 + x) * 3 + $0]) } }
            var red: [(Int, Int)] = [], blended = 0
            for y in 0..<256 { for x in 0..<256 {
                let c = rgb(x, y)
                if c == [255, 0, 0] { red.append((x, y)) }
                else if c == [0, 255, 0] { continue }
                else if c[1] == c[2] && (c[0] - c[1] == 127 || c[0] - c[1] == 128) { blended += 1 }
                else { XCTAssertTrue(c[0] == c[1] && c[1] == c[2], "pixel (\(x), \(y)) = \(c) is neither background, prediction, outline nor click") }
            } }
            // The click (input pixels = mask pixels at 256) is a green 5×5 square.
            let (cx, cy) = (Int(f[6])!, Int(f[7])!)
            XCTAssertEqual(rgb(cx, cy), [0, 255, 0]); XCTAssertEqual(rgb(cx + 2, cy - 2), [0, 255, 0])
            // The outline hugs the square (origin and side from the dataset, scaled to 256, ±2 pixels for the nearest resize).
            let sq = dataset.squares[String(format: "s%02d", k)]!
            let x0 = Double(sq.x) * scale, x1 = Double(sq.x + dataset.squareSide) * scale - 1
            let y0 = Double(sq.y) * scale, y1 = Double(sq.y + dataset.squareSide) * scale - 1
            XCTAssertEqual(Double(red.map(\.0).min() ?? -9), x0, accuracy: 2); XCTAssertEqual(Double(red.map(\.0).max() ?? -9), x1, accuracy: 2)
            XCTAssertEqual(Double(red.map(\.1).min() ?? -9), y0, accuracy: 2); XCTAssertEqual(Double(red.map(\.1).max() ?? -9), y1, accuracy: 2)
            for (x, y) in red { XCTAssertTrue(abs(Double(x) - x0) < 3 || abs(Double(x) - x1) < 3 || abs(Double(y) - y0) < 3 || abs(Double(y) - y1) < 3, "outline pixel (\(x), \(y)) inside the square") }
            if iou > 0.01 { XCTAssertGreaterThan(blended, 0, "a region with IoU \(iou) shows predicted pixels") }
        }
        let noOverlays = try AimsProcess.run(["eval", "--weights", try weights, "--modality", "square4", "--plugin", dataset.spec.path,
                                              "--data", dataset.root.path, "--overlay-channel", "3"])
        XCTAssertEqual(noOverlays.status, 64, noOverlays.stderr)
        let badChannel = try AimsProcess.run(["eval", "--weights", try weights, "--modality", "square4", "--plugin", dataset.spec.path,
                                              "--data", dataset.root.path, "--overlays", overlays.path, "--overlay-channel", "4"])
        XCTAssertEqual(badChannel.status, 64); XCTAssertTrue(badChannel.stderr.contains("--overlay-channel"), badChannel.stderr)
    }

    /// `--init scratch` is recorded in aims-train.json and `aims eval --run` rebuilds the random model;
    /// a record without the field (older runs) still loads, as pretrained.
    func testScratchInitializationIsRecordedAndRebuilt() throws {
        let run = work.appendingPathComponent("run")
        let base = ["train", "--modality", "square4", "--plugin", dataset.spec.path, "--data", dataset.root.path, "--out", run.path,
                    "--weights", try weights, "--val-fraction", "0.5", "--epochs", "1", "--json"]
        let bad = try AimsProcess.run(base + ["--init", "scratch", "--strategy", "lora"])
        XCTAssertEqual(bad.status, 64); XCTAssertTrue(bad.stderr.contains("--init scratch"), bad.stderr)
        let t = try AimsProcess.run(base + ["--init", "scratch"])
        XCTAssertEqual(t.status, 0, t.stderr)
        let s = try json(t.stdout)
        XCTAssertTrue((s["model"] as? String)?.contains("from scratch") == true, "\(s)")
        // LiteMedSAM's 9,791,300 values minus SAM's prompt encoder (6,220, docs/REFERENCE.md §4: 93,735,472 − 89,670,912 − 4,058,340)
        // plus the gated 4-channel mixer: moe.0 16·4·9 + 16, moe.1 2·16, moe.3 4·16·9 + 4, zip_rgbx 3·4 + 3 = 1,219.
        XCTAssertEqual(s["trainableValues"] as? Int, 9_791_300 - 6_220 + 1_219)
        let recordURL = run.appendingPathComponent("aims-train.json")
        var record = try json(try String(contentsOf: recordURL, encoding: .utf8))
        XCTAssertEqual(record["initialization"] as? String, "scratch")
        let e = try AimsProcess.run(["eval", "--run", run.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let ev = try json(e.stdout)
        XCTAssertTrue((ev["model"] as? String)?.contains("from scratch") == true, "\(ev)")
        XCTAssertEqual(ev["mIoU"] as? Double, s["bestValidationMIoU"] as? Double, "the best checkpoint reproduces its validation score")
        // A record from before the option (and before hashes.json, which would refuse the edited record).
        record["initialization"] = nil
        try JSONSerialization.data(withJSONObject: record).write(to: recordURL)
        try FileManager.default.removeItem(at: run.appendingPathComponent("hashes.json"))
        let old = try AimsProcess.run(["eval", "--run", run.path, "--json"])
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertFalse((try json(old.stdout)["model"] as? String)?.contains("scratch") ?? true)
    }
}
