import TensorCore
import TestComparisons
import XCTest

/// The shared comparison must see every wrong element wherever it stands: a NaN, an infinity or a value
/// just outside the tolerance, at a middle position and at the last, under every rule. Swift's
/// `max(worst, NaN)` returns `worst`, and a running `if !(e <= worst) { worst = e }` forgets a NaN as soon
/// as a later element replaces it, so these are the cases a hand-written loop gets wrong.
final class MismatchTests: XCTestCase {
    let expected: [Double] = [1, -2, 3, 0.5, -4, 2, 1e-3, 7]

    /// Each rule with a tolerance, and a value that breaks it at element `i` by twice the allowance.
    var rules: [(Tolerance, (_ i: Int, _ e: [Double]) -> Double)] {
        [(.allClose(relative: 1e-3, absolute: 1e-4), { i, e in e[i] + 2 * (1e-4 + 1e-3 * abs(e[i])) }),
         (.relative(1e-3, floor: 1), { i, e in e[i] - 2 * 1e-3 * max(1, abs(e[i])) }),
         (.toScale(1e-3, floor: 0), { i, e in e[i] + 2 * 1e-3 * 7 }),
         (.absolute(0.01), { i, e in e[i] + 0.02 }),
         (.exact, { i, e in e[i].nextUp })]
    }

    func testEqualValuesPassEveryRule() {
        for (rule, _) in rules { XCTAssertNil(mismatch(expected, expected, rule), "\(rule)") }
    }

    func testValuesWithinEachRulePass() {
        // Half the allowance in each rule (the exact rule has none).
        let cases: [(Tolerance, [Double])] = [
            (.allClose(relative: 1e-3, absolute: 1e-4), expected.map { $0 + 0.5 * (1e-4 + 1e-3 * abs($0)) }),
            (.relative(1e-3, floor: 1), expected.map { $0 - 0.5 * 1e-3 * max(1, abs($0)) }),
            (.toScale(1e-3, floor: 0), expected.map { $0 + 0.5 * 1e-3 * 7 }),
            (.absolute(0.01), expected.map { $0 - 0.005 }),
        ]
        for (rule, actual) in cases { XCTAssertNil(mismatch(actual, expected, rule), "\(rule)") }
    }

    func testNaNInfinityAndAWrongValueFailAtAMiddleAndAtTheLastPosition() {
        for (rule, wrong) in rules {
            for i in [3, expected.count - 1] {
                for (name, bad) in [("NaN", Double.nan), ("+inf", .infinity), ("-inf", -.infinity), ("wrong", wrong(i, expected))] {
                    var actual = expected
                    actual[i] = bad
                    let m = mismatch(actual, expected, rule)
                    XCTAssertNotNil(m, "\(rule): \(name) at \(i) passed")
                    XCTAssertEqual(m?.index, i, "\(rule): \(name) at \(i) reported at another element")
                    XCTAssertEqual(m?.failures, 1, "\(rule): \(name) at \(i)")
                    // And as Float values, through the Float overload (one Double ulp vanishes in Float).
                    if name != "wrong" || rule != .exact {
                        XCTAssertNotNil(mismatch(actual.map { Float($0) }, expected.map { Float($0) }, rule), "\(rule): \(name) at \(i) passed as Float")
                    }
                }
            }
        }
    }

    func testAllNaNFails() {
        let nan = [Double](repeating: .nan, count: expected.count)
        for (rule, _) in rules {
            XCTAssertEqual(mismatch(nan, expected, rule)?.failures, expected.count, "\(rule)")
        }
    }

    /// A NaN before a larger finite error is still the reported element, and counted.
    func testNaNIsReportedBeforeALargerFiniteError() {
        var actual = expected
        actual[2] = .nan
        actual[6] = 1e6
        let m = mismatch(actual, expected, .absolute(1e-3))
        XCTAssertEqual(m?.index, 2)
        XCTAssertEqual(m?.failures, 2)
    }

    /// Expected non-finite values must be met exactly: NaN by NaN, ∞ by the same ∞.
    func testExpectedNonFiniteValuesMustBeMatched() {
        let e: [Double] = [1, .nan, .infinity, -.infinity]
        XCTAssertNil(mismatch([1, .nan, .infinity, -.infinity] as [Double], e, .absolute(1e-6)))
        XCTAssertNotNil(mismatch([1, 0, .infinity, -.infinity] as [Double], e, .absolute(1e-6)), "a number where NaN is expected")
        XCTAssertNotNil(mismatch([1, .nan, -.infinity, -.infinity] as [Double], e, .absolute(1e-6)), "-∞ where +∞ is expected")
        XCTAssertNotNil(mismatch([1, .nan, 1e300, -.infinity] as [Double], e, .toScale(1, floor: 0)), "a finite value where ∞ is expected")
        // The scale of .toScale ignores expected non-finite values rather than becoming infinite.
        XCTAssertNotNil(mismatch([1.5, .nan, .infinity, -.infinity] as [Double], e, .toScale(0.1, floor: 0)))
    }

    /// The worst finite element is the one reported.
    func testTheWorstElementIsReported() {
        var actual = expected
        actual[1] += 0.1
        actual[5] += 0.3
        actual[7] += 0.2
        let m = mismatch(actual, expected, .absolute(0.01))
        XCTAssertEqual(m?.index, 5)
        XCTAssertEqual(m?.failures, 3)
        XCTAssertEqual(m?.allowed, 0.01)
    }

    func testCountsMustAgree() {
        XCTAssertNotNil(mismatch([1, 2] as [Double], [1, 2, 3] as [Double], .absolute(1)))
        XCTAssertNil(mismatch([Double](), [], .exact))
    }

    /// `.toScale` with a floor: an all-zero reference accepts only errors within `tolerance · floor`.
    func testScaleFloor() {
        XCTAssertNil(mismatch([1e-7, -1e-7] as [Double], [0, 0] as [Double], .toScale(1e-3, floor: 1e-3)))
        XCTAssertNotNil(mismatch([1e-5, 0] as [Double], [0, 0] as [Double], .toScale(1e-3, floor: 1e-3)))
        XCTAssertNotNil(mismatch([1e-30, 0] as [Double], [0, 0] as [Double], .toScale(1e-3, floor: 0)), "no floor: only exact zeros pass")
    }

    func testFloatAgainstDoubleAndTensorOverloads() {
        XCTAssertNil(mismatch([Float(0.1)], [0.1] as [Double], .absolute(1e-8)))
        XCTAssertNotNil(mismatch([Float.nan], [0.1] as [Double], .absolute(1)))
        let t = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        XCTAssertNil(mismatch(t.scalars, t.scalars, .exact))
        XCTAssertNotNil(mismatch(Tensor(shape: [2, 2], values: [1, 2, .nan, 4]).scalars, t.scalars, .relative(1e-3, floor: 1)))
    }
}

final class LargestErrorTests: XCTestCase {
    func testNaNAnywhereMakesTheResultNaN() {
        for i in 0..<4 {
            var e: [Double] = [0.1, 0.3, 0.2, 0.0]
            e[i] = .nan
            XCTAssert(largestError(e).isNaN, "NaN at \(i)")
            XCTAssertFalse(largestError(e) < 1, "a `< tolerance` check fails")
            XCTAssertFalse(largestError(e) > 0, "a `> gap` check fails")
        }
    }

    func testLargestFiniteAndInfinite() {
        XCTAssertEqual(largestError([0.1, 0.3, 0.2]), 0.3)
        XCTAssertEqual(largestError([0.1, .infinity, 0.2]), .infinity)
        XCTAssertEqual(largestError([Double]()), 0)
    }
}
