import Foundation
import SimCMF
import TensorCore
import TensorFiles
import TensorKernels
import XCTest

/// `AutomaticMaskGenerator` against segment-anything's own `SamAutomaticMaskGenerator.generate` on the same
/// synthetic model outputs (fixtures/amg, scripts/make_amg_fixtures.py): the points fed per crop, and every kept
/// mask in order, bit for bit (RLE), with its box, predicted IoU, stability score, point and crop box.
final class AutomaticMaskFixtureTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/amg")

    struct Expected: Decodable {
        struct Mask: Decodable {
            var counts: [Int], area: Int, bbox: [Int]
            var predicted_iou: Double, stability_score: Double
            var point_coords: [Double], crop_box: [Int]
        }
        var options: [String: Double]
        var image_size: [Int]
        var low_res_side: Int
        var crop_boxes: [[Int]]
        var crop_layers: [Int]
        var points: [[[Double]]]
        var masks: [Mask]
    }

    /// Serves the fixture's outputs in call order and records the points it was given; masks reach the crop's
    /// size by integer nearest neighbour (row y of h reads low-res row y·m/h), as the script's fake predictor.
    final class FixtureModel: PointPromptedModel {
        let logits: Tensor, iou: Tensor
        let imageSize: (height: Int, width: Int)
        var cursor = 0
        var fed: [[SIMD2<Double>]] = []
        var multimaskByDefault: Bool { true }

        init(logits: Tensor, iou: Tensor, height: Int, width: Int) {
            self.logits = logits; self.iou = iou; imageSize = (height, width)
        }

        func embed(crop: CropBox, multimaskOutput: Bool) throws -> any PointPromptedCrop {
            fed.append([])
            return Crop(model: self, height: crop.height, width: crop.width)
        }

        struct Crop: PointPromptedCrop {
            let model: FixtureModel
            let height: Int, width: Int

            func predict(points: [SIMD2<Double>]) throws -> (lowResLogits: Tensor, iou: Tensor) {
                let range = model.cursor..<(model.cursor + points.count)
                model.cursor += points.count
                model.fed[model.fed.count - 1] += points
                return (model.logits.slice(axis: 0, range), model.iou.slice(axis: 0, range))
            }

            func upscale(_ lowRes: Tensor) throws -> Tensor {
                let m = lowRes.shape[0]
                let v = lowRes.scalars
                return Tensor(shape: [height, width], values: (0..<(height * width)).map { p in
                    v[(p / width) * m / height * m + (p % width) * m / width]
                })
            }
        }
    }

    func check(_ name: String) throws {
        let dir = Self.folder.appendingPathComponent(name)
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        let logits = try NPY.read(dir.appendingPathComponent("low_res_logits.npy")).tensors[0].tensor
        let iou = try NPY.read(dir.appendingPathComponent("iou_predictions.npy")).tensors[0].tensor
        var o = AutomaticMaskOptions()
        let opt = e.options
        o.pointsPerSide = Int(opt["points_per_side"]!)
        o.pointsPerBatch = Int(opt["points_per_batch"]!)
        if let v = opt["pred_iou_thresh"] { o.predictedIoUThreshold = v }
        if let v = opt["stability_score_thresh"] { o.stabilityScoreThreshold = v }
        if let v = opt["box_nms_thresh"] { o.boxNMSThreshold = v }
        if let v = opt["crop_n_layers"] { o.cropLayers = Int(v) }
        if let v = opt["crop_nms_thresh"] { o.cropNMSThreshold = v }
        if let v = opt["crop_n_points_downscale_factor"] { o.cropPointsDownscaleFactor = Int(v) }
        if let v = opt["min_mask_region_area"] { o.minimumRegionArea = Int(v) }
        let generator = try AutomaticMaskGenerator(options: o)
        let (h, w) = (e.image_size[0], e.image_size[1])
        XCTAssertEqual(generator.plan(imageHeight: h, imageWidth: w).crops.map { $0.xyxy }, e.crop_boxes)
        XCTAssertEqual(generator.plan(imageHeight: h, imageWidth: w).crops.map(\.layer), e.crop_layers)

        let model = FixtureModel(logits: logits, iou: iou, height: h, width: w)
        let masks = try generator.generate(model)
        XCTAssertEqual(model.cursor, logits.shape[0], "every output consumed")
        XCTAssertEqual(model.fed.count, e.points.count)
        for (got, want) in zip(model.fed, e.points) {
            XCTAssertEqual(got.count, want.count)
            for (g, p) in zip(got, want) { XCTAssertEqual(g.x, p[0], accuracy: 1e-12); XCTAssertEqual(g.y, p[1], accuracy: 1e-12) }
        }
        XCTAssertEqual(masks.count, e.masks.count, name)
        for (k, (m, x)) in zip(masks, e.masks).enumerated() {
            XCTAssertEqual(m.mask.runLengths(), x.counts, "\(name) mask \(k)")
            XCTAssertEqual(m.area, x.area, "\(name) mask \(k)")
            XCTAssertEqual(m.box.xywh, x.bbox, "\(name) mask \(k)")
            XCTAssertEqual(m.predictedIoU, Float(x.predicted_iou), "\(name) mask \(k)")
            XCTAssertEqual(m.stabilityScore, Float(x.stability_score), "\(name) mask \(k)")
            XCTAssertEqual(m.point.x, x.point_coords[0], accuracy: 1e-12); XCTAssertEqual(m.point.y, x.point_coords[1], accuracy: 1e-12)
            XCTAssertEqual([m.cropBox.x0, m.cropBox.y0, m.cropBox.width, m.cropBox.height], x.crop_box, "\(name) mask \(k)")
        }
    }

    /// One crop, 8 × 8 points in batches of 24 (the last 16), segment-anything's default thresholds.
    func testWholeImageGrid() throws { try check("grid8") }

    /// One crop layer (4 crops, 4 × 4 points each), NMS within and between crops, the crop-edge filter, and
    /// small-region removal (holes and islands below 40 pixels) with its second NMS.
    func testCropsAndSmallRegions() throws { try check("crops") }
}
