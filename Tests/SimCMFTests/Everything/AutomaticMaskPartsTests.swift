import Foundation
import SimCMF
import TensorCore
import TensorKernels
import XCTest

/// The parts of automatic mask generation: point grids and crop boxes against segment-anything
/// (fixtures/amg/geometry.json), the stability score on a hand-derived example, box NMS, small regions.
final class AutomaticMaskPartsTests: XCTestCase {
    struct Geometry: Decodable {
        struct Crops: Decodable { var image_size: [Int]; var layers: Int; var overlap_ratio: Double; var boxes: [[Int]]; var layer_indices: [Int] }
        var point_grids: [String: [[[Double]]]]
        var crop_boxes: [Crops]
    }

    func geometry() throws -> Geometry {
        try JSONDecoder().decode(Geometry.self, from: Data(contentsOf: AutomaticMaskFixtureTests.folder.appendingPathComponent("geometry.json")))
    }

    func testPointGridsMatchSegmentAnything() throws {
        let g = try geometry()
        XCTAssertEqual(g.point_grids.count, 4)
        for (key, layers) in g.point_grids {
            let p = key.split(separator: ",").map { Int($0)! }
            let mine = PointGrid.layers(pointsPerSide: p[0], cropLayers: p[1], downscale: p[2])
            XCTAssertEqual(mine.count, layers.count, key)
            for (a, b) in zip(mine, layers) {
                XCTAssertEqual(a.count, b.count, key)
                for (x, y) in zip(a, b) { XCTAssertEqual([x.x, x.y], y, key) }   // bit for bit (Float64)
            }
        }
    }

    func testCropBoxesMatchSegmentAnything() throws {
        for c in try geometry().crop_boxes {
            let mine = CropBox.boxes(imageHeight: c.image_size[0], imageWidth: c.image_size[1], layers: c.layers, overlapRatio: c.overlap_ratio)
            XCTAssertEqual(mine.map(\.xyxy), c.boxes, "\(c.image_size)")
            XCTAssertEqual(mine.map(\.layer), c.layer_indices, "\(c.image_size)")
        }
    }

    /// Logits 3, 1.5, 0.5, 0.5, −0.5, −2 with threshold 0 and offset 1: above 1 → {3, 1.5} (2 pixels), above −1 →
    /// all but −2 (5 pixels): 2 / 5 = 0.4. Logit exactly 1 is not above 1; nothing above −1 → NaN.
    func testStabilityScoreByHand() {
        XCTAssertEqual(StabilityScore.score([3, 1.5, 0.5, 0.5, -0.5, -2], maskThreshold: 0, offset: 1), 0.4)
        XCTAssertEqual(StabilityScore.score([1, 1, 0.2, -0.99], maskThreshold: 0, offset: 1), 0)
        XCTAssertEqual(StabilityScore.score([2, 2, 2], maskThreshold: 0, offset: 1), 1)
        XCTAssertEqual(StabilityScore.score([2, 1, 0.6, 0.5], maskThreshold: 1, offset: 0.5), Float(1) / 3)   // > 1.5: 1; > 0.5: 3
        XCTAssertTrue(StabilityScore.score([-3, -1], maskThreshold: 0, offset: 1).isNaN)
        // 19 / 20 in Float32 equals Float(0.95): kept by ">= 0.95" as PyTorch does (not in Float64).
        XCTAssertGreaterThanOrEqual(StabilityScore.score([Float](repeating: 2, count: 19) + [0.5], maskThreshold: 0, offset: 1), Float(0.95))
    }

    func testBoxNMS() {
        let a = MaskBox(x0: 0, y0: 0, x1: 10, y1: 10), b = MaskBox(x0: 1, y0: 0, x1: 11, y1: 10), c = MaskBox(x0: 20, y0: 20, x1: 30, y1: 30)
        // IoU(a, b) = 90 / 110 = 0.818: suppressed at 0.7, kept at 0.9.
        XCTAssertEqual(BoxNMS.keep(boxes: [a, b, c], scores: [0.5, 0.9, 0.7], iouThreshold: 0.7), [1, 2])
        XCTAssertEqual(BoxNMS.keep(boxes: [a, b, c], scores: [0.5, 0.9, 0.7], iouThreshold: 0.9), [1, 2, 0])
        // Equal scores: index order (torchvision's stable sort), so the first of two equal boxes survives.
        XCTAssertEqual(BoxNMS.keep(boxes: [c, a, a], scores: [1, 1, 1], iouThreshold: 0.7), [0, 1])
        // One-pixel-wide boxes have area 0: IoU 0/0 suppresses nothing.
        let line = MaskBox(x0: 5, y0: 0, x1: 5, y1: 9)
        XCTAssertEqual(BoxNMS.keep(boxes: [line, line], scores: [1, 0.5], iouThreshold: 0.1), [0, 1])
    }

    func testSmallRegions() {
        // 7 × 7: a 4 × 4 square (x, y in 1...4) with a one-pixel hole at (2, 2), and a one-pixel island at (6, 6),
        // which no pixel of the square touches, not even diagonally.
        var m = [UInt8](repeating: 0, count: 49)
        for y in 1...4 { for x in 1...4 { m[y * 7 + x] = 1 } }
        m[2 * 7 + 2] = 0
        m[6 * 7 + 6] = 1
        var holes = m
        XCTAssertTrue(SmallRegions.remove(&holes, height: 7, width: 7, areaThreshold: 2, mode: .holes))
        XCTAssertEqual(holes[2 * 7 + 2], 1); XCTAssertEqual(holes.filter { $0 == 1 }.count, 17)
        var islands = holes
        XCTAssertTrue(SmallRegions.remove(&islands, height: 7, width: 7, areaThreshold: 2, mode: .islands))
        XCTAssertEqual(islands[48], 0); XCTAssertEqual(islands.filter { $0 == 1 }.count, 16)
        XCTAssertFalse(SmallRegions.remove(&islands, height: 7, width: 7, areaThreshold: 2, mode: .islands))
        // The outside is a region of the complement too: below the threshold, it is filled as well.
        var tiny = holes
        XCTAssertTrue(SmallRegions.remove(&tiny, height: 7, width: 7, areaThreshold: 40, mode: .holes))
        XCTAssertEqual(tiny, [UInt8](repeating: 1, count: 49))
        // Every island small: the largest stays; of equal ones, the first in raster order.
        var two: [UInt8] = [1, 0, 1, 0, 0, 1, 0, 0, 0]   // 3 × 3: {(0, 0)}, {(2, 0), (2, 1)}
        XCTAssertTrue(SmallRegions.remove(&two, height: 3, width: 3, areaThreshold: 10, mode: .islands))
        XCTAssertEqual(two, [0, 0, 1, 0, 0, 1, 0, 0, 0])
        var tie: [UInt8] = [1, 0, 1, 0, 0, 0, 0, 0, 0]
        XCTAssertTrue(SmallRegions.remove(&tie, height: 3, width: 3, areaThreshold: 10, mode: .islands))
        XCTAssertEqual(tie, [1, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    func testRegionMaskStoresItsBoxOnly() {
        var crop = [UInt8](repeating: 0, count: 4 * 5)
        crop[1 * 5 + 2] = 1; crop[2 * 5 + 3] = 1
        let r = RegionMask(crop, height: 4, width: 5, left: 10, top: 20, imageHeight: 30, imageWidth: 40)
        XCTAssertEqual(r.box, MaskBox(x0: 12, y0: 21, x1: 13, y1: 22))
        XCTAssertEqual(r.pixels, [1, 0, 0, 1]); XCTAssertEqual(r.area, 2)
        XCTAssertTrue(r.contains(x: 13, y: 22)); XCTAssertFalse(r.contains(x: 12, y: 22))
        XCTAssertEqual(r.full().count, 1200); XCTAssertEqual(r.full()[22 * 40 + 13], 1)
        // Column-major runs: (12, 21) is pixel 12·30 + 21 = 381, (13, 22) is 412: 381 outside, 1, 30, 1, the other 787.
        XCTAssertEqual(r.runLengths(), [381, 1, 30, 1, 787])
        let empty = RegionMask([0, 0], height: 1, width: 2, imageHeight: 1, imageWidth: 2)
        XCTAssertEqual(empty.box, .empty); XCTAssertEqual(empty.area, 0); XCTAssertEqual(empty.runLengths(), [2])
    }

    func testOptionsAreValidated() {
        var o = AutomaticMaskOptions()
        o.cropLayers = 3; o.cropPointsDownscaleFactor = 4; o.pointsPerSide = 32
        XCTAssertThrowsError(try AutomaticMaskGenerator(options: o))   // 32 / 64 = 0 points per side in layer 3
        o.cropLayers = 2
        XCTAssertNoThrow(try AutomaticMaskGenerator(options: o))
        o.predictedIoUThreshold = 1.5
        XCTAssertThrowsError(try AutomaticMaskGenerator(options: o)) { XCTAssertTrue("\($0.localizedDescription)".contains("pred_iou_thresh")) }
    }
}
