import AIMS
import TensorCore
import XCTest

/// Region counting at 1024 x 1024 with Pillow's nearest rule, and the train (>= T) / test (> T) rules.
final class RegionCountsTests: XCTestCase {
    /// 3 x 5 label: Pillow nearest gives rows 341, 342, 341 and columns 205, 205, 204, 205, 205 (derived by hand from
    /// src = floor((d + 0.5) * in / 1024)).
    func testNonUniformNearestCountsByHand() {
        var v = [Float](repeating: 0, count: 15)
        v[1 * 5 + 2] = 1            // row 1, column 2: 342 * 204
        v[0] = 3; v[2 * 5 + 4] = 3  // rows 0 and 2, columns 0 and 4: 2 * 341 * 205
        let counts = RegionCounts.pixels(Tensor(shape: [3, 5], values: v))
        XCTAssertEqual(counts[1], 342 * 204)
        XCTAssertEqual(counts[3], 2 * 341 * 205)
        XCTAssertEqual(counts.values.reduce(0, +), 1024 * 1024)
    }

    /// Against a brute-force nearest resize (each destination pixel looked up) of a random 13 x 7 label.
    func testEqualsBruteForceResize() {
        var g = SeededGenerator(seed: 5)
        let h = 13, w = 7
        let v = (0..<(h * w)).map { _ in Float(Int(g.nextUniform() * 4)) }
        var brute: [Int: Int] = [:]
        for y in 0..<1024 {
            let sy = Int((Double(y) + 0.5) * Double(h) / 1024)
            for x in 0..<1024 { brute[Int(v[sy * w + Int((Double(x) + 0.5) * Double(w) / 1024)]), default: 0] += 1 }
        }
        XCTAssertEqual(RegionCounts.pixels(Tensor(shape: [h, w], values: v)), brute)
    }

    /// A 1024 label with regions of exactly T = 100, T + 1 and T - 1 pixels: train keeps >= T (2), test > T (1).
    func testThresholdRulesAtExactlyT() {
        var v = [Float](repeating: 0, count: 1024 * 1024)
        for y in 0..<10 { for x in 0..<10 { v[y * 1024 + x] = 1 } }           // 100
        for y in 20..<30 { for x in 0..<10 { v[y * 1024 + x] = 2 } }; v[40 * 1024] = 2  // 101
        for y in 50..<59 { for x in 0..<11 { v[y * 1024 + x] = 3 } }          // 99
        let counts = RegionCounts.pixels(Tensor(shape: [1024, 1024], values: v))
        XCTAssertEqual(counts[1], 100); XCTAssertEqual(counts[2], 101); XCTAssertEqual(counts[3], 99)
        XCTAssertEqual(RegionCounts.passing(counts, threshold: 100, strict: false), 2)
        XCTAssertEqual(RegionCounts.passing(counts, threshold: 100, strict: true), 1)
        XCTAssertEqual(RegionCounts.passing(counts, threshold: nil, strict: true), 3)
    }

    /// Fractions: sizes ceil(p n / 100), nested, reproducible with the seed, different with another seed.
    func testFractionsNestedAndSeeded() {
        let ids = (0..<20).map { String(format: "id%02d", $0) }
        let a = DataFractions.subsets(of: ids, percents: [10, 25, 50, 100], seed: 1)
        XCTAssertEqual(a[10]?.count, 2); XCTAssertEqual(a[25]?.count, 5); XCTAssertEqual(a[50]?.count, 10); XCTAssertEqual(a[100], ids)
        XCTAssertTrue(Set(a[10]!).isSubset(of: Set(a[25]!)) && Set(a[25]!).isSubset(of: Set(a[50]!)))
        XCTAssertEqual(DataFractions.subsets(of: ids.reversed(), percents: [10, 25, 50, 100], seed: 1), a)
        let others = (2..<6).map { DataFractions.subsets(of: ids, percents: [50], seed: UInt64($0))[50]! }
        XCTAssertTrue(others.contains { $0 != a[50]! })
    }
}
