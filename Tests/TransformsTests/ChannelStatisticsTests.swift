import XCTest
import TensorCore
@testable import Transforms

final class ChannelStatisticsTests: XCTestCase {
    /// Two-pass textbook mean and population variance, the independent truth.
    private func twoPass(_ xs: [Double]) -> (mean: Double, variance: Double) {
        let mean = xs.reduce(0, +) / Double(xs.count)
        return (mean, xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count))
    }

    func testMatchesTwoPassAndIsSplitIndependent() {
        var rng = SystemRandomNumberGenerator()
        let xs = (0..<1000).map { _ in Double(Float.random(in: -50...1e4, using: &rng)) }
        let truth = twoPass(xs)
        var whole = RunningStatistics()
        xs.forEach { whole.add($0) }
        var a = RunningStatistics(), b = RunningStatistics()
        xs[..<137].forEach { a.add($0) }
        xs[137...].forEach { b.add($0) }
        a.merge(b)
        for s in [whole, a] {
            XCTAssertEqual(s.count, 1000)
            XCTAssertEqual(s.mean, truth.mean, accuracy: 1e-9 * abs(truth.mean))
            XCTAssertEqual(s.variance, truth.variance, accuracy: 1e-9 * truth.variance)
            XCTAssertEqual(s.minimum, xs.min()!)
            XCTAssertEqual(s.maximum, xs.max()!)
        }
    }

    func testWelfordSurvivesLargeOffset() {
        // Values 1e9 + {0,1,2,3}: the naive sum-of-squares formula loses every digit in Float or Double.
        var s = RunningStatistics()
        for k in 0..<4 { s.add(1e9 + Double(k)) }
        XCTAssertEqual(s.variance, 1.25, accuracy: 1e-6)
        XCTAssertEqual(s.sampleVariance, 5.0 / 3.0, accuracy: 1e-6)
    }

    func testPerChannelWithMaskAndNonFinite() {
        // [2, 2, 2]: channel 0 = 1,2,3,4; channel 1 = 10,nan,30,40; the mask drops pixel 3.
        let t = Tensor(shape: [2, 2, 2], values: [1, 2, 3, 4, 10, .nan, 30, 40])
        let mask = Tensor(shape: [2, 2], values: [1, 1, 1, 0])
        var st = ChannelStatistics(channelCount: 2)
        st.add(t, validMask: mask)
        XCTAssertEqual(st.channels[0].count, 3)
        XCTAssertEqual(st.means[0], 2)
        XCTAssertEqual(st.channels[1].count, 2)
        XCTAssertEqual(st.channels[1].nonFiniteCount, 1)
        XCTAssertEqual(st.means[1], 20)
        XCTAssertEqual(st.channels[1].maximum, 30)
    }
}
