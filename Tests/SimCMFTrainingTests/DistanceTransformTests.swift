import XCTest
@testable import SimCMF

/// The exact Euclidean distance transform against scipy.ndimage.distance_transform_edt (fixtures/interactive) and
/// on a case worked by hand.
final class DistanceTransformTests: XCTestCase {
    func testMatchesScipyOnEveryPixel() throws {
        let cases: [InteractiveFixtures.DistanceCase] = try InteractiveFixtures.load("distance_transform.json")
        XCTAssertEqual(cases.count, 3)
        for (k, c) in cases.enumerated() {
            let (mask, h, w) = InteractiveFixtures.mask(c.mask)
            let d = DistanceTransform.euclidean(mask, height: h, width: w)
            XCTAssertEqual(d.count, c.edt.count)
            // Both take the correctly rounded square root of the same integer squared distance: equal to the bit.
            let worst = zip(d, c.edt).map { abs($0 - $1) }.max() ?? 0
            XCTAssertEqual(worst, 0, "mask \(k): max |aims - scipy|")
            let padded = ClickPlacement.paddedSquaredDistances(mask, height: h, width: w).map { $0.squareRoot() }
            let worstPadded = zip(padded, c.edtPadded).map { abs($0 - $1) }.max() ?? 0
            XCTAssertEqual(worstPadded, 0, "mask \(k) padded: max |aims - scipy|")
        }
    }

    func testHandWorkedDistancesAndEdgeCases() {
        // One background pixel at (row 1, col 3) in a 3 × 5 grid: d² = (Δrow)² + (Δcol)².
        var mask = [Bool](repeating: true, count: 15)
        mask[1 * 5 + 3] = false
        let d2 = DistanceTransform.squaredEuclidean(mask, height: 3, width: 5)
        XCTAssertEqual(d2, [10, 5, 2, 1, 2,
                            9, 4, 1, 0, 1,
                            10, 5, 2, 1, 2])
        // No background at all: infinite everywhere; all background: 0.
        XCTAssertTrue(DistanceTransform.squaredEuclidean([true, true], height: 1, width: 2).allSatisfy { $0 == .infinity })
        XCTAssertEqual(DistanceTransform.squaredEuclidean([false, false, false], height: 3, width: 1), [0, 0, 0])
    }
}
