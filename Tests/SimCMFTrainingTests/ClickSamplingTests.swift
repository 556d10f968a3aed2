import TensorCore
import XCTest
@testable import SimCMF

/// Region and click selection against hand-derived truths (docs/REFERENCE.md §5, §6, §9.7).
final class ClickSamplingTests: XCTestCase {
    /// ```
    /// 0 0 1 1 0
    /// 0 1 1 1 0
    /// 2 2 0 0 0
    /// 2 0 0 3 3
    /// ```
    let label = LabelMap(height: 4, width: 5, ids: [0, 0, 1, 1, 0,
                                                    0, 1, 1, 1, 0,
                                                    2, 2, 0, 0, 0,
                                                    2, 0, 0, 3, 3])

    func testMiddleClickIsTheMedianPixelInRasterOrder() {
        // region 1 in raster order: (r0,c2) (r0,c3) (r1,c1) (r1,c2) (r1,c3); index 5/2 = 2 -> x 1, y 1
        XCTAssertEqual(ClickSampling.middleClick(of: 1, in: label), Click(x: 1, y: 1))
        // region 2: (r2,c0) (r2,c1) (r3,c0); index 1 -> x 1, y 2
        XCTAssertEqual(ClickSampling.middleClick(of: 2, in: label), Click(x: 1, y: 2))
        // region 3: (r3,c3) (r3,c4); index 1 -> x 4, y 3
        XCTAssertEqual(ClickSampling.middleClick(of: 3, in: label), Click(x: 4, y: 3))
        XCTAssertNil(ClickSampling.middleClick(of: 9, in: label))
    }

    func testTrainingThresholdIsInclusiveAndEvaluationStrict() {
        // counts: 0 -> 10, 1 -> 5, 2 -> 3, 3 -> 2
        XCTAssertEqual(ClickSampling.trainingCandidates(label, minimumPixels: 2), [1, 2, 3])
        XCTAssertEqual(ClickSampling.evaluationRegions(label, minimumPixels: 2), [1, 2])
        XCTAssertEqual(ClickSampling.trainingCandidates(label, minimumPixels: 3), [1, 2])
        XCTAssertEqual(ClickSampling.evaluationRegions(label, minimumPixels: 3), [1])
        XCTAssertEqual(ClickSampling.trainingCandidates(label, minimumPixels: nil), [1, 2, 3])
        XCTAssertEqual(ClickSampling.evaluationRegions(label, minimumPixels: nil), [1, 2, 3])
        XCTAssertEqual(ClickSampling.trainingCandidates(label, minimumPixels: 6), [])
    }

    func testBackgroundIsDroppedByIdNotByPosition() {
        // Background has 10 pixels < threshold 11: the reference's `[1:]` would drop region 1 (docs/REFERENCE.md §9.7).
        let big = LabelMap(height: 4, width: 8, ids: [0, 0, 0, 0, 0, 0, 0, 0,
                                                      0, 0, 1, 1, 1, 1, 1, 1,
                                                      1, 1, 1, 1, 1, 2, 2, 2,
                                                      2, 2, 2, 2, 2, 2, 2, 2])
        XCTAssertEqual(big.regionCounts.map(\.count), [10, 11, 11])
        XCTAssertEqual(ClickSampling.trainingCandidates(big, minimumPixels: 11), [1, 2])
        XCTAssertEqual(ClickSampling.evaluationRegions(big, minimumPixels: 10), [1, 2])
        // Negative ids are never evaluated; 0 is never a training candidate.
        let neg = LabelMap(height: 1, width: 3, ids: [-1, 0, 4])
        XCTAssertEqual(ClickSampling.evaluationRegions(neg, minimumPixels: nil), [4])
        XCTAssertEqual(ClickSampling.trainingCandidates(neg, minimumPixels: nil), [-1, 4])
    }

    func testRandomClickIsSeededUniformAndInsideTheRegion() {
        var g1 = SeededGenerator(seed: 7), g2 = SeededGenerator(seed: 7)
        var hits: [Click: Int] = [:]
        let n = 5000
        for _ in 0..<n {
            let a = ClickSampling.randomClick(of: 1, in: label, using: &g1)!
            XCTAssertEqual(a, ClickSampling.randomClick(of: 1, in: label, using: &g2)!)
            XCTAssertEqual(label[Int(a.y), Int(a.x)], 1)
            hits[a, default: 0] += 1
        }
        XCTAssertEqual(hits.count, 5, "every pixel of the region is reachable")
        for (c, k) in hits { XCTAssertEqual(Double(k) / Double(n), 0.2, accuracy: 0.03, "pixel \(c)") }
        var g3 = SeededGenerator(seed: 8)
        let other = (0..<20).map { _ in ClickSampling.randomClick(of: 1, in: label, using: &g3)! }
        var g4 = SeededGenerator(seed: 7)
        XCTAssertNotEqual(other, (0..<20).map { _ in ClickSampling.randomClick(of: 1, in: label, using: &g4)! })
    }

    func testUniformIndexAndShuffleCoverEverything() {
        var g = SeededGenerator(seed: 1)
        var counts = [Int](repeating: 0, count: 3)
        for _ in 0..<6000 { counts[ClickSampling.uniformIndex(3, using: &g)] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 2000, accuracy: 150) }
        let s = ClickSampling.shuffledIndices(10, using: &g)
        XCTAssertEqual(s.sorted(), Array(0..<10))
        XCTAssertNotEqual(s, Array(0..<10))
    }

    func testBoxesAndJitter() {
        XCTAssertEqual(ClickSampling.boundingBox(of: 1, in: label), Box(x0: 1, y0: 0, x1: 3, y1: 1))
        XCTAssertEqual(ClickSampling.boundingBox(of: 2, in: label), Box(x0: 0, y0: 2, x1: 1, y1: 3))
        XCTAssertNil(ClickSampling.boundingBox(of: 5, in: label))
        let b = Box(x0: 10, y0: 10, x1: 20, y1: 20)
        var g = SeededGenerator(seed: 3)
        var moved = Set<Float>()
        for _ in 0..<500 {
            let j = ClickSampling.jittered(b, shift: 3, width: 22, height: 64, using: &g)
            XCTAssert((7...10).contains(j.x0) && (7...10).contains(j.y0) && (20...22).contains(j.x1) && (20...23).contains(j.y1), "\(j)")
            moved.insert(j.x0)
        }
        XCTAssertEqual(moved, [7, 8, 9, 10])
        XCTAssertEqual(ClickSampling.jittered(b, shift: 0, width: 22, height: 64, using: &g), b)
    }

    func testTorchLegacyNearestResize() {
        // 5 -> 2: scale 2.5, rows/cols floor(0), floor(2.5) = 0, 2
        let l = LabelMap(height: 5, width: 5, ids: (0..<25).map(Int32.init))
        XCTAssertEqual(l.resizedNearest(height: 2, width: 2).ids, [0, 2, 10, 12])
        // 2 -> 4 (upsampling): floor(d * 0.5)
        let u = LabelMap(height: 2, width: 2, ids: [1, 2, 3, 4]).resizedNearest(height: 4, width: 4)
        XCTAssertEqual(u.ids, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }
}
