import XCTest
@testable import SimCMF

/// Where the simulated user clicks: hand-drawn masks with the answer worked out in the comments, and RITM's
/// `_get_next_click` ported with scipy (fixtures/interactive/clicks.json).
final class ClickPlacementTests: XCTestCase {
    func testFirstClickIsTheDeepestPixelFirstInRasterOrder() throws {
        // A 5 × 7 block (rows 1–5, columns 1–7) in a 7 × 9 grid. Distance to the nearest outside pixel: row 3 is 3
        // from rows 0 and 6; columns 3, 4, 5 are ≥ 3 from columns 0 and 8. So (3, 3), (3, 4), (3, 5) tie at 3
        // (d² = 9), and the first in raster order is (row 3, column 3).
        let block = InteractiveFixtures.mask([
            ".........",
            ".#######.",
            ".#######.",
            ".#######.",
            ".#######.",
            ".#######.",
            ".........",
        ])
        let p = try XCTUnwrap(ClickPlacement.interiorPoint(of: block.values, height: block.height, width: block.width))
        XCTAssertEqual([p.x, p.y], [3, 3]); XCTAssertEqual(p.squaredDistance, 9)
        XCTAssertEqual(ClickPlacement.firstClick(truth: block.values, height: block.height, width: block.width),
                       GridClick(x: 3, y: 3, positive: true))
        // The image border is boundary: a full 4 × 4 grid has distance min(r + 1, 4 − r, c + 1, 4 − c), 2 at
        // (1, 1), (1, 2), (2, 1), (2, 2); the first is (1, 1).
        let full = [Bool](repeating: true, count: 16)
        let q = try XCTUnwrap(ClickPlacement.interiorPoint(of: full, height: 4, width: 4))
        XCTAssertEqual([q.x, q.y], [1, 1]); XCTAssertEqual(q.squaredDistance, 4)
        XCTAssertNil(ClickPlacement.interiorPoint(of: [false, false], height: 1, width: 2))
    }

    func testNextClickGoesToTheDeeperErrorNotTheBiggerOne() throws {
        // Truth: a 10-pixel line (row 1) and a 3 × 3 square (rows 4–6, columns 5–7). Prediction: the square and a
        // 3 × 3 spill (rows 4–6, columns 1–3). False negatives: the line, 10 pixels, each 1 from background.
        // False positives: the spill, 9 pixels, its centre (5, 2) 2 from background. The deeper error wins although
        // it has fewer pixels: a negative click at (x 2, y 5).
        let truth = InteractiveFixtures.mask([
            "..........",
            "##########",
            "..........",
            "..........",
            ".....###..",
            ".....###..",
            ".....###..",
            "..........",
        ])
        let prediction = InteractiveFixtures.mask([
            "..........",
            "..........",
            "..........",
            "..........",
            ".###.###..",
            ".###.###..",
            ".###.###..",
            "..........",
        ])
        let (h, w) = (truth.height, truth.width)
        XCTAssertEqual(ClickPlacement.nextClick(truth: truth.values, prediction: prediction.values, height: h, width: w),
                       GridClick(x: 2, y: 5, positive: false))
        // With the spill's centre clicked already, its best pixels are 1 deep, as deep as the line: a tie clicks
        // negative (RITM: positive only when strictly deeper), at the spill's first pixel in raster order, (4, 1).
        XCTAssertEqual(ClickPlacement.nextClick(truth: truth.values, prediction: prediction.values, height: h, width: w, clicked: [5 * w + 2]),
                       GridClick(x: 1, y: 4, positive: false))
        // A perfect prediction leaves nothing to click; so does an error whose only pixel was clicked.
        XCTAssertNil(ClickPlacement.nextClick(truth: truth.values, prediction: truth.values, height: h, width: w))
        var one = truth.values
        one[0] = true
        XCTAssertNil(ClickPlacement.nextClick(truth: truth.values, prediction: one, height: h, width: w, clicked: [0]))
    }

    func testMatchesRITMsClickerPortedWithScipy() throws {
        let cases: [InteractiveFixtures.ClickCase] = try InteractiveFixtures.load("clicks.json")
        XCTAssertEqual(cases.count, 6)
        for c in cases {
            let truth = InteractiveFixtures.mask(c.truth), prediction = InteractiveFixtures.mask(c.prediction)
            let clicked = Set(c.clicked.map { $0[0] * truth.width + $0[1] })
            let got = ClickPlacement.nextClick(truth: truth.values, prediction: prediction.values, height: truth.height, width: truth.width,
                                               clicked: clicked)
            XCTAssertEqual(got, GridClick(x: c.expected.x, y: c.expected.y, positive: c.expected.positive), c.name)
        }
    }
}
