import Foundation
import TensorCore
import XCTest
@testable import SimCMF

/// The reference evaluation protocol's unusual rules, each on a case small enough to work out by hand (the
/// working is in the comments): the median raster click of disconnected or hollow regions, regions absent from
/// the prediction, ground truths that vanish at the mask size, IoU at the mask size, and the object-level mean
/// (over regions, not images). Input size 8, mask size 4: the nearest resize keeps input rows/columns
/// ⌊i · 8/4⌋ = 0, 2, 4, 6.
final class EvaluationHandWorkedTests: XCTestCase {
    /// A label from a picture: one string per row, one character per pixel ("." = 0, digits = ids).
    static func label(_ rows: [String]) -> LabelMap {
        LabelMap(height: rows.count, width: rows[0].count,
                 ids: rows.flatMap { $0.map { $0 == "." ? Int32(0) : Int32(String($0))! } })
    }

    /// Mask-size logits: +1 on the listed (row, column) pixels, −1 elsewhere.
    static func logits(_ on: [(Int, Int)]) -> Tensor {
        var v = [Float](repeating: -1, count: 16)
        for (r, c) in on { v[r * 4 + c] = 1 }
        return Tensor(shape: [4, 4], values: v)
    }

    // Image 0: a hollow square (region 1) and a 2×2 block (region 2).
    static let image0 = label([
        "11111...",
        "1...1...",
        "1...1...",
        "1...1...",
        "11111...",
        "........",
        "......22",
        "......22",
    ])
    // Image 1: region 3 = a thin bar (column 1) and a thick bar (columns 6–7), disconnected; region 4 = two
    // 3-pixel runs on rows 3 and 5 only (odd rows: never sampled by the resize).
    static let image1 = label([
        ".3....33",
        ".3....33",
        ".3....33",
        ".3444.33",
        ".3....33",
        ".3444.33",
        ".3....33",
        ".3....33",
    ])
    // Image 2: region 5 = row 1 (odd: vanishes at the mask size).
    static let image2 = label([
        "........",
        "55555555",
        "........",
        "........",
        "........",
        "........",
        "........",
        "........",
    ])

    /// Median raster click = the pixel at index ⌊n/2⌋ of the region's pixels in row-major order.
    func testMedianClicksOfHollowAndDisconnectedRegions() {
        // Region 1 (16 px): row 0 holds indices 0–4, rows 1–3 two each ((r,0), (r,4)): 5, 6 | 7, 8 | 9, 10;
        // row 4: 11–15. Index 16/2 = 8 is (row 2, col 4): the ring's right side, not the centre (2, 2), which is
        // background.
        XCTAssertEqual(ClickSampling.middleClick(of: 1, in: Self.image0), Click(x: 4, y: 2))
        XCTAssertEqual(Self.image0[2, 2], 0, "the centroid lies outside the region")
        // Region 2 (4 px): (6,6), (6,7), (7,6), (7,7); index 2 = (7, 6).
        XCTAssertEqual(ClickSampling.middleClick(of: 2, in: Self.image0), Click(x: 6, y: 7))
        // Region 3 (24 px): each row r gives (r,1), (r,6), (r,7) = indices 3r, 3r+1, 3r+2. Index 12 = (4, 1): the
        // click lands on the thin bar, which holds a third of the pixels, and on a column the mask never samples.
        XCTAssertEqual(ClickSampling.middleClick(of: 3, in: Self.image1), Click(x: 1, y: 4))
        // Region 4 (6 px): (3,2), (3,3), (3,4), (5,2), (5,3), (5,4); index 3 = (5, 2).
        XCTAssertEqual(ClickSampling.middleClick(of: 4, in: Self.image1), Click(x: 2, y: 5))
        // Region 5 (8 px): row 1; index 4 = (1, 4).
        XCTAssertEqual(ClickSampling.middleClick(of: 5, in: Self.image2), Click(x: 4, y: 1))
    }

    func testScoresAtMaskSizeEmptyMasksAndObjectLevelMean() throws {
        // Targets at the mask size (rows/cols 0, 2, 4, 6 of the label):
        //   region 1: label rows 0, 2, 4 at cols 0, 2, 4 → [1 1 1 0 / 1 0 1 0 / 1 1 1 0 / 0 0 0 0]: 8 px (16 at input);
        //   region 2: only label (6, 6) → mask (3, 3): 1 px;
        //   region 3: only column 6 → mask column 3, rows 0–3: 4 px (the clicked thin bar at column 1 is gone);
        //   region 4: rows 3 and 5 never sampled → empty; region 5: row 1 never sampled → empty.
        let table: [String: Tensor] = [
            // Region 1: the full 3×3 block rows/cols 0–2 (9 px) ⊇ the 8 target pixels: I = 8, U = 9.
            LookupModel.key(image: 0, x: 4, y: 2): Self.logits([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]),
            // Region 2: absent from the prediction: I = 0, U = |G| = 1.
            LookupModel.key(image: 0, x: 6, y: 7): Self.logits([]),
            // Region 3: exactly the target column: I = U = 4.
            LookupModel.key(image: 1, x: 1, y: 4): Self.logits([(0, 3), (1, 3), (2, 3), (3, 3)]),
            // Region 4: empty truth, 2 predicted pixels: I = 0, U = 2.
            LookupModel.key(image: 1, x: 2, y: 5): Self.logits([(1, 1), (1, 2)]),
            // Region 5: empty truth, empty prediction: I = U = 0.
            LookupModel.key(image: 2, x: 4, y: 1): Self.logits([]),
        ]
        let model = LookupModel(inputSize: 8, maskSize: 4, table: table)
        let source = InMemoryExampleSource([Self.image0, Self.image1, Self.image2].enumerated().map { k, l in
            TrainingExample(id: "img\(k)", image: Tensor(shape: [1, 8, 8], repeating: Float(k)), label: l)
        })
        let (result, regions) = try Evaluator().evaluate(model, on: source)
        XCTAssertEqual(regions.map(\.region), [1, 2, 3, 4, 5])
        XCTAssertEqual(regions.map(\.pixelCount), [16, 4, 24, 6, 8], "pixel counts at the input size")
        // IoU = (I + 1e-6) / (U + 1e-6), Dice = (2I + 1e-4) / (|P| + |G| + 1e-4):
        let iou: [Double] = [(8 + 1e-6) / (9 + 1e-6), 1e-6 / (1 + 1e-6), 1, 1e-6 / (2 + 1e-6), 1]
        let dice: [Double] = [(16 + 1e-4) / (17 + 1e-4), 1e-4 / (1 + 1e-4), 1, 1e-4 / (2 + 1e-4), 1]
        for k in 0..<5 {
            XCTAssertEqual(regions[k].iou, iou[k], accuracy: 1e-12, "IoU of region \(regions[k].region)")
            XCTAssertEqual(regions[k].dice, dice[k], accuracy: 1e-12, "Dice of region \(regions[k].region)")
        }
        // Object-level mean: Σ IoU / 5 regions = (0.888889 + 1e-6 + 1 + 5e-7 + 1) / 5 ≈ 0.577778, not the mean of
        // the per-image means ((0.444445 + 0.500000 + 1) / 3 ≈ 0.648148).
        XCTAssertEqual(result.mIoU, iou.reduce(0, +) / 5, accuracy: 1e-12)
        XCTAssertEqual(result.mIoU, 0.5777781, accuracy: 1e-6)
        XCTAssertEqual(result.mDice, dice.reduce(0, +) / 5, accuracy: 1e-12)
        XCTAssertEqual(result.regionCount, 5)
        XCTAssertEqual(result.imageCount, 3)
        XCTAssertEqual(result.skippedImages, 0)
    }

    /// Regions need strictly more than `minimumPixels`: with 6, region 2 (4 px) and region 4 (exactly 6) drop out,
    /// and only the listed clicks are asked for (the lookup model fails on any other).
    func testThresholdIsStrict() throws {
        let empty = Self.logits([])
        let table = [LookupModel.key(image: 0, x: 4, y: 2): empty, LookupModel.key(image: 1, x: 1, y: 4): empty,
                     LookupModel.key(image: 2, x: 4, y: 1): empty]
        let source = InMemoryExampleSource([Self.image0, Self.image1, Self.image2].enumerated().map { k, l in
            TrainingExample(id: "img\(k)", image: Tensor(shape: [1, 8, 8], repeating: Float(k)), label: l)
        })
        let (_, regions) = try Evaluator(options: EvaluationOptions(minimumPixels: 6))
            .evaluate(LookupModel(inputSize: 8, maskSize: 4, table: table), on: source)
        XCTAssertEqual(regions.map(\.region), [1, 3, 5])
    }
}
