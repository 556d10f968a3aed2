import TensorCore
import TensorKernels
import XCTest
@testable import SimCMF

/// The bootstrap interval of mIoU over images against NumPy on the same resample indices (fixtures/interactive:
/// per-image IoUs, 500 index sets drawn by NumPy, the resampled means and numpy.percentile of them).
final class BootstrapIntervalTests: XCTestCase {
    func testResampledMeansAndPercentilesMatchNumPy() throws {
        let f: InteractiveFixtures.Bootstrap = try InteractiveFixtures.load("bootstrap.json")
        let sums = f.ious.map { $0.reduce(0, +) }, counts = f.ious.map(\.count)
        let means = BootstrapInterval.resampledMeans(sums: sums, counts: counts, indices: f.indices)
        XCTAssertEqual(means.count, 500)
        XCTAssertLessThanOrEqual(zip(means, f.means).map { abs($0 - $1) }.max()!, 1e-15)
        let sorted = f.means.sorted()
        for (q, truth) in f.percentiles {
            XCTAssertEqual(BootstrapInterval.percentile(sorted: sorted, Double(q)!), truth, accuracy: 1e-15, "q = \(q)")
        }
        let bounds = BootstrapInterval.percentileBounds(f.means, level: 0.95)
        XCTAssertEqual(bounds.lower, f.percentiles["2.5"]!, accuracy: 1e-15)
        XCTAssertEqual(bounds.upper, f.percentiles["97.5"]!, accuracy: 1e-15)
        let small = f.small.sorted()
        for (q, truth) in f.smallPercentiles {
            XCTAssertEqual(BootstrapInterval.percentile(sorted: small, Double(q)!), truth, accuracy: 1e-15, "small, q = \(q)")
        }
    }

    func testSeededIntervalOverImages() throws {
        let f: InteractiveFixtures.Bootstrap = try InteractiveFixtures.load("bootstrap.json")
        let values = f.ious.flatMap { $0 }
        let images = f.ious.enumerated().flatMap { k, v in [Int](repeating: 100 + k, count: v.count) }
        let ci = BootstrapInterval(values: values, images: images, resamples: 1000, seed: 3)
        XCTAssertEqual(ci.mean, f.mean, accuracy: 1e-15)
        XCTAssertEqual(ci.images, 10); XCTAssertEqual(ci.resamples, 1000); XCTAssertEqual(ci.level, 0.95)
        XCTAssertTrue(ci.lower < ci.mean && ci.mean < ci.upper, "\(ci)")
        // The same seed gives the same interval; it is the percentile interval of the means of the Swift draws.
        XCTAssertEqual(BootstrapInterval(values: values, images: images, resamples: 1000, seed: 3), ci)
        let draws = BootstrapInterval.resampleIndices(images: 10, resamples: 1000, seed: 3)
        XCTAssertTrue(draws.allSatisfy { $0.count == 10 && $0.allSatisfy { (0..<10).contains($0) } })
        let bounds = BootstrapInterval.percentileBounds(
            BootstrapInterval.resampledMeans(sums: f.ious.map { $0.reduce(0, +) }, counts: f.ious.map(\.count), indices: draws), level: 0.95)
        XCTAssertEqual(ci.lower, bounds.lower); XCTAssertEqual(ci.upper, bounds.upper)
        XCTAssertNotEqual(BootstrapInterval(values: values, images: images, resamples: 1000, seed: 4), ci)
        // One image: every resample is that image, the interval collapses to the mean.
        let one = BootstrapInterval(values: [0.25, 0.75], images: [7, 7])
        XCTAssertEqual([one.lower, one.mean, one.upper], [0.5, 0.5, 0.5])
    }
}
