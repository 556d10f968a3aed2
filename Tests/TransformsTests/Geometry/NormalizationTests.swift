import TensorCore
import Transforms
import XCTest

final class NormalizationTests: XCTestCase {
    func testHandValuesInvalidPixelsAndLabels() throws {
        // Channels: intensity (mean 2, std 4), depth (mean 1, std 0.5), label (ignored).
        let image = ChannelImage(values: Tensor(shape: [3, 1, 3], values: [6, -2, 10, 1.5, 0, 3, 4, 5, 6]),
                                 channels: [ChannelDescriptor(name: "I", unit: "counts", kind: .intensity),
                                            ChannelDescriptor(name: "depth", unit: "m", kind: .depth),
                                            ChannelDescriptor(name: "class", unit: "1", kind: .label)],
                                 validMask: Tensor(shape: [1, 3], values: [1, 1, 0]))
        let n = try ChannelNormalization(means: [2, 1, 0], standardDeviations: [4, 0.5, 1])
        let out = try n.normalize(image)
        // I: (6−2)/4 = 1, (−2−2)/4 = −1 (kept under the depth hole), masked → 0.
        // Depth: (1.5−1)/0.5 = 1, hole → 0, masked → 0. Label as is.
        XCTAssertEqual(out.values.scalars, [1, -1, 0, 1, 0, 0, 4, 5, 6])
        XCTAssertEqual(out.validMask?.scalars, [1, 1, 0], "the mask passes through")
        XCTAssertEqual(out.channels.map(\.kind), [.intensity, .intensity, .label])
        let back = try n.denormalize(out, restoring: image.channels)
        // Exact on valid pixels; masked → 0; the depth hole comes back as the mean depth 1.
        XCTAssertEqual(back.values.scalars, [6, -2, 0, 1.5, 1, 0, 4, 5, 6])
        XCTAssertEqual(back.channels, image.channels)
    }

    func testStatisticsGiveZeroMeanUnitVarianceAndTheInverseRoundTrips() throws {
        var g = SeededGenerator(seed: 4)
        let v = Tensor(shape: [2, 8, 9], values: (0..<144).map { i in i < 72 ? 100 + 30 * g.nextUniform() : -5 + g.nextUniform() })
        let image = ChannelImage(values: v, channels: [ChannelDescriptor(name: "T", unit: "°C", kind: .temperature),
                                                       ChannelDescriptor(name: "HU", unit: "HU", kind: .hounsfield)])
        var stats = ChannelStatistics(channelCount: 2)
        stats.add(v)
        let n = try ChannelNormalization(statistics: stats)
        let out = try n.normalize(image)
        var check = ChannelStatistics(channelCount: 2)
        check.add(out.values)
        for c in 0..<2 {
            XCTAssertEqual(check.means[c], 0, accuracy: 1e-5)
            XCTAssertEqual(check.standardDeviations[c], 1, accuracy: 1e-4)
        }
        let back = try n.denormalize(out, restoring: image.channels)
        assertClose(back.values, v, tolerance: 1e-6, "round trip")
        // As a pipeline step pair.
        let sample = try applyOnce(TransformPipeline([Normalize(n), Denormalize(n, restoring: image.channels)]),
                                   TransformSample(image: image))
        assertClose(sample.image.values, v, tolerance: 1e-6, "pipeline round trip")
    }

    func testSAMStylePadIsZeroAfterNormalising() throws {
        let image = ChannelImage(values: Tensor.full([1, 3, 5], 7), channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity)])
        let n = try ChannelNormalization(means: [3], standardDeviations: [2])
        let out = try applyOnce(TransformPipeline([ChannelResizeLongestSide(longestSide: 10), Normalize(n)]), TransformSample(image: image))
        // 3x5 -> 6x10, padded to 10x10; inside (7−3)/2 = 2, padding 0.
        let v = out.image.values.scalars
        XCTAssertEqual(v.filter { $0 == 2 }.count, 60)
        XCTAssertEqual(v.filter { $0 == 0 }.count, 40)
        XCTAssertEqual(v[6 * 10], 0)
    }

    func testBadConstantsAreTypedErrors() {
        XCTAssertThrowsError(try ChannelNormalization(means: [0, 0], standardDeviations: [1])) { e in
            XCTAssertEqual(e as? GeometryError, .channelCount(field: "normalization: standard deviations", expected: 2, got: 1))
        }
        XCTAssertThrowsError(try ChannelNormalization(means: [0], standardDeviations: [0])) { e in
            XCTAssert(e.localizedDescription.contains("standard deviation of channel 0"), e.localizedDescription)
        }
        let image = ChannelImage(values: Tensor.zeros([2, 1, 1]), channels: Array(repeating: ChannelDescriptor(name: "I", unit: "1", kind: .intensity), count: 2))
        XCTAssertThrowsError(try ChannelNormalization(means: [0], standardDeviations: [1]).normalize(image)) { e in
            XCTAssert(e.localizedDescription.contains("means and standard deviations"), e.localizedDescription)
        }
        var constant = ChannelStatistics(channelCount: 1)
        constant.add(Tensor.ones([1, 2, 2]))
        XCTAssertThrowsError(try ChannelNormalization(statistics: constant), "zero spread")
        XCTAssertNoThrow(try ChannelNormalization(statistics: constant, ignoring: [0]))
    }
}
