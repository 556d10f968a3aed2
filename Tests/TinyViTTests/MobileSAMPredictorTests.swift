import Autodiff
import Foundation
import SimCMF
import TensorCore
import TensorFiles
import TestComparisons
import TestRequirements
import XCTest

/// MobileSAM through `SAMPredictor` (what `aims predict --image` runs for a MobileSAM checkpoint) against MobileSAM's
/// own `SamPredictor` and `SamAutomaticMaskGenerator` (mobilesam-mirror 1.0.0) on the MobileSAM stand-in
/// (LiteMedSAM's real weights in MobileSAM's layout, `MobileSAMStandIn`) and a 180 × 260 picture, resized to
/// 709 × 1024 and padded (fixtures/tinyvit/mobilesam_predictor.{safetensors,json}, written by
/// scripts/make_mobilesam_predictor_fixtures.py).
///
/// Tolerances, as MobileSAMTests: per tensor `max|Δ| ≤ 1e-4 · max|expected|` (predicted IoUs, low-resolution and
/// full-size logits, per-mask mean / std / max |·|); mask pixel counts within 2 pixels (a logit within float32
/// noise of 0 may fall either side); against the script's uint8 PIL path (`SamPredictor.set_image`, what MobileSAM
/// users call) the predicted IoUs within 4e-3 (8-bit rounding of the resized input; measured 1.4e-3 in PyTorch).
final class MobileSAMPredictorTests: XCTestCase {
    static let (height, width) = (180, 260)

    /// The script's picture `[3, 180, 260]`, 0–255, in the same order: ramp `((x + 2y) >> 2) + 30c`; inside
    /// 160 ≤ x < 232, 40 ≤ y < 140 the checkered block `40 + 25c + 30 · (((x >> 3) + (y >> 3)) & 1)`; inside
    /// (x − 90)² + (y − 85)² < 45² the disc `220 − 20c`.
    static func picture() -> Tensor {
        var values = [Float](repeating: 0, count: 3 * height * width)
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    var v = ((x + 2 * y) >> 2) + 30 * c
                    if (160..<232).contains(x) && (40..<140).contains(y) { v = 40 + 25 * c + 30 * (((x >> 3) + (y >> 3)) & 1) }
                    if (x - 90) * (x - 90) + (y - 85) * (y - 85) < 45 * 45 { v = 220 - 20 * c }
                    values[(c * height + y) * width + x] = Float(v)
                }
            }
        }
        return Tensor(shape: [3, height, width], values: values)
    }

    /// Every `step`-th row and column of `[K, H, W]`: `[K, ⌈H/step⌉, ⌈W/step⌉]` (PyTorch's `[..., ::step, ::step]`).
    static func strided(_ t: Tensor, step: Int) -> Tensor {
        let (k, h, w) = (t.shape[0], t.shape[1], t.shape[2]), s = t.scalars
        let rows = stride(from: 0, to: h, by: step), columns = stride(from: 0, to: w, by: step)
        let values = (0..<k).flatMap { m in rows.flatMap { y in columns.map { x in s[(m * h + y) * w + x] } } }
        return Tensor(shape: [k, rows.underestimatedCount, columns.underestimatedCount], values: values)
    }

    /// Per mask of `[K, H, W]`: mean, standard deviation (n − 1) and max |·|, in float64: `[K, 3]`.
    static func summary(_ t: Tensor) -> [Double] {
        let k = t.shape[0], n = t.count / k, s = t.scalars.map(Double.init)
        return (0..<k).flatMap { m -> [Double] in
            let v = s[(m * n)..<((m + 1) * n)]
            let mean = v.reduce(0, +) / Double(n)
            let std = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
            return [mean, std, v.map(Swift.abs).max()!]
        }
    }

    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: TinyViTFixtures.directory.appendingPathComponent("mobilesam_predictor.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The stand-in, built once for both tests (a 40 MB checkpoint).
    nonisolated(unsafe) static var cached: TinyViTSAM?
    static func model() throws -> TinyViTSAM {
        if let m = cached { return m }
        let m = try TinyViTSAM(checkpoint: try MobileSAMStandIn.checkpoint())
        cached = m
        return m
    }

    /// A box and a click, three masks each (one encoder forward at 1024).
    func testSAMPredictorMatchesMobileSAMsSamPredictor() throws {
        let model = try Self.model()
        XCTAssertEqual(model.variant, .mobileSAM)
        let ref = try TinyViTFixtures.archive("mobilesam_predictor.safetensors")
        let json = try Self.reference()
        let image = Self.picture()
        let sums = (0..<3).map { c in image.slice(axis: 0, c..<(c + 1)).scalars.reduce(0) { $0 + Int($1) } }
        XCTAssertEqual(sums, try XCTUnwrap(json["channel_sums"] as? [Int]), "the picture is the script's")

        let predictor = SAMPredictor(model: model)
        try predictor.setImage(image)
        let resized = try XCTUnwrap(predictor.inputSize)
        XCTAssertEqual([resized.height, resized.width], try XCTUnwrap(json["resized_hw"] as? [Int]))
        let b = try TinyViTFixtures.tensor(ref, "box").scalars, c = try TinyViTFixtures.tensor(ref, "click").scalars
        let predictions = [
            ("box", try predictor.predict(box: (b[0], b[1], b[2], b[3]), multimaskOutput: true)),
            ("click", try predictor.predict(points: [(c[0], c[1])], labels: [1], multimaskOutput: true)),
        ]
        for (name, p) in predictions {
            XCTAssertEqual(p.logits.shape, [3, Self.height, Self.width])
            XCTAssertEqual(p.lowResLogits.shape, [3, 256, 256])
            assertClose(p.iou, try TinyViTFixtures.tensor(ref, "\(name)_iou"), tolerance: 1e-4, "\(name) predicted IoUs")
            assertClose(Self.strided(p.lowResLogits, step: 4), try TinyViTFixtures.tensor(ref, "\(name)_low_res"), tolerance: 1e-4,
                        "\(name) low-res logits")
            let expectedSummary = try TinyViTFixtures.tensor(ref, "\(name)_low_res_mean_std_absmax").scalars.map(Double.init)
            assertClose(Self.summary(p.lowResLogits), expectedSummary, within: .toScale(1e-4, floor: expectedSummary.max()!),
                        "\(name) low-res mean, std, max |·| per mask")
            assertClose(Self.strided(p.logits, step: 4), try TinyViTFixtures.tensor(ref, "\(name)_logits"), tolerance: 1e-4,
                        "\(name) logits at the picture's size")
            let masks = p.masks.scalars, n = Self.height * Self.width
            let pixels = (0..<3).map { k in masks[(k * n)..<((k + 1) * n)].reduce(0) { $0 + Int($1) } }
            let expectedPixels = try TinyViTFixtures.tensor(ref, "\(name)_mask_pixels").scalars.map { Int($0) }
            XCTAssertTrue(expectedPixels.allSatisfy { $0 > 0 }, "the fixture's masks are not empty")
            for (mine, theirs) in zip(pixels, expectedPixels) {
                XCTAssertLessThanOrEqual(abs(mine - theirs), 2, "\(name) mask pixels \(pixels) vs \(expectedPixels)")
            }
            assertClose(p.iou.scalars.map(Double.init), try TinyViTFixtures.tensor(ref, "\(name)_pil_iou").scalars.map(Double.init),
                        within: .allClose(relative: 0, absolute: 4e-3), "\(name) predicted IoUs vs set_image (PIL, uint8)")
        }
    }

    /// `SamAutomaticMaskGenerator` with 2 × 2 points, three masks per point, no thresholds: the stand-in's untrained
    /// mask tokens 1–3 give weak logits (|·| < 1), so most masks are empty and every stability score is 0; what is
    /// compared is the whole list in the generator's order after box NMS (empty boxes included).
    func testAutomaticMasksMatchMobileSAMsGenerator() throws {
        let model = try Self.model()
        let ref = try TinyViTFixtures.archive("mobilesam_predictor.safetensors")
        var options = AutomaticMaskOptions()
        options.pointsPerSide = 2
        options.predictedIoUThreshold = 0
        options.stabilityScoreThreshold = 0
        let prompting = SAMPredictorPrompting(predictor: SAMPredictor(model: model), image: Self.picture())
        XCTAssertTrue(prompting.multimaskByDefault, "MobileSAM gives three masks per point by default")
        let masks = try AutomaticMaskGenerator(options: options).generate(prompting)

        let areas = try TinyViTFixtures.tensor(ref, "amg_area").scalars.map { Int($0) }
        XCTAssertEqual(masks.count, areas.count)
        guard masks.count == areas.count else { return }
        XCTAssertEqual(masks.map(\.area), areas)
        XCTAssertEqual(masks.flatMap(\.box.xywh), try TinyViTFixtures.tensor(ref, "amg_bbox").scalars.map { Int($0) })
        XCTAssertEqual(masks.flatMap { [$0.point.x, $0.point.y] },
                       try TinyViTFixtures.tensor(ref, "amg_point").scalars.map(Double.init))
        assertClose(Tensor(shape: [masks.count], values: masks.map(\.predictedIoU)),
                    try TinyViTFixtures.tensor(ref, "amg_predicted_iou"), tolerance: 1e-4, "predicted IoUs")
        XCTAssertEqual(masks.map(\.stabilityScore), try TinyViTFixtures.tensor(ref, "amg_stability_score").scalars)
        let (h, w) = (Self.height, Self.width)
        var rows: [Float] = [], columns: [Float] = []
        for m in masks {
            let full = m.mask.full()
            rows += (0..<h).map { y in Float((0..<w).reduce(0) { $0 + Int(full[y * w + $1]) }) }
            columns += (0..<w).map { x in Float((0..<h).reduce(0) { $0 + Int(full[$1 * w + x]) }) }
        }
        XCTAssertEqual(rows, try TinyViTFixtures.tensor(ref, "amg_row_counts").scalars, "mask pixels per row")
        XCTAssertEqual(columns, try TinyViTFixtures.tensor(ref, "amg_column_counts").scalars, "mask pixels per column")
    }
}
