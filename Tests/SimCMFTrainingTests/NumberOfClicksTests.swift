import XCTest
@testable import SimCMF

/// NoC, the share of objects never reaching a threshold and the per-click curve, on IoU sequences made by hand.
final class NumberOfClicksTests: XCTestCase {
    // Object a reaches 0.86 at click 2, dips to 0.84 and reaches 0.91 at click 4 (IoU need not grow with clicks);
    // b is at 0.9 from the first click; c never passes 0.5.
    let a = [0.5, 0.86, 0.84, 0.91, 0.95], b = [0.9, 0.9, 0.9, 0.9, 0.9], c = [0.1, 0.2, 0.3, 0.4, 0.5]

    func testClicksToReachAThreshold() {
        XCTAssertEqual(NumberOfClicks.clicks(toReach: 0.85, ious: a, maxClicks: 20), 2)
        XCTAssertEqual(NumberOfClicks.clicks(toReach: 0.9, ious: a, maxClicks: 20), 4)
        XCTAssertEqual(NumberOfClicks.clicks(toReach: 0.9, ious: b, maxClicks: 20), 1, "≥, not >")
        XCTAssertEqual(NumberOfClicks.clicks(toReach: 0.85, ious: c, maxClicks: 20), 20, "never reached: the maximum")
        XCTAssertEqual(NumberOfClicks.clicks(toReach: 0.9, ious: a, maxClicks: 3), 3, "only the first maxClicks count")
    }

    func testMeansOverObjectsAndTheCurve() {
        // NoC@85: 2, 1, 5 → 8/3; NoC@90: 4, 1, 5 → 10/3 (K = 5). c never reaches either; a and b do.
        let s = [a, b, c]
        XCTAssertEqual(NumberOfClicks.mean(toReach: 0.85, sequences: s, maxClicks: 5), 8.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(NumberOfClicks.mean(toReach: 0.9, sequences: s, maxClicks: 5), 10.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(NumberOfClicks.notReached(0.85, sequences: s), 1)
        XCTAssertEqual(NumberOfClicks.notReached(0.95, sequences: s), 2)
        // Curve: click 1 (0.5 + 0.9 + 0.1) / 3 = 0.5; click 3 (0.84 + 0.9 + 0.3) / 3 = 0.68; click 5 (0.95 + 0.9 + 0.5) / 3.
        let curve = NumberOfClicks.meanCurve(s)
        XCTAssertEqual(curve.count, 5)
        XCTAssertEqual(curve[0], 0.5, accuracy: 1e-15)
        XCTAssertEqual(curve[2], 0.68, accuracy: 1e-15)
        XCTAssertEqual(curve[4], 2.35 / 3, accuracy: 1e-15)
    }
}
