import AIMS
import Foundation
import TestDatasets
import ImageIO
import Modalities
import SimCMF
import TensorCore
import TensorFiles
import Transforms
import XCTest

/// The bridge from a JSON-plugin modality's files to SimCMF examples.
final class ModalityExampleSourceTests: XCTestCase {
    private func modality(_ d: BridgeDataset) throws -> any Modality {
        var registry = ModalityRegistry.standard
        try registry.registerPlugin(at: d.spec)
        return try registry.require("square4")
    }

    func testShapesLabelResizeAndOriginalLabel() throws {
        let d = try BridgeDataset.make(); defer { d.remove() }
        let m = try modality(d)
        let source = try ModalityExampleSource(modality: m, root: d.root, inputSize: 16, normalization: nil)
        XCTAssertEqual(source.count, 6)
        XCTAssertEqual(source.channelCount, 4)
        for i in 0..<source.count {
            let e = try source.example(at: i)
            XCTAssertEqual(e.id, d.ids[i])
            XCTAssertEqual(e.image.shape, [4, 16, 16])
            let original = try XCTUnwrap(e.originalLabel)
            XCTAssertEqual([original.height, original.width], [d.side, d.side])
            // The square, as written.
            let sq = d.squares[e.id]!
            XCTAssertEqual(original[sq.y, sq.x], 1); XCTAssertEqual(original.ids.filter { $0 == 1 }.count, d.squareSide * d.squareSide)
            // Labels resized nearest with PyTorch's legacy rule (ids stay integral, no blending).
            XCTAssertEqual(e.label, original.resizedNearest(height: 16, width: 16))
            XCTAssertEqual(Set(e.label.ids), [0, 1])
            // Channel 3 (un-normalised) is 5 inside the square, 0 far from it after bilinear resizing.
            let c3 = e.image.slice(axis: 0, 3..<4).scalars
            let inside = zip(c3, e.label.ids).filter { $0.1 == 1 }.map(\.0)
            XCTAssertGreaterThan(inside.reduce(0, +) / Float(inside.count), 3.5)
            XCTAssertEqual(c3.min()!, 0, accuracy: 1e-6)
        }
    }

    func testIdentitySizeKeepsValuesAndModalityConstantsNormalise() throws {
        let mean = [0.5, 0.5, 0.5, 1.0], std = [0.25, 0.5, 1.0, 2.0]
        let d = try BridgeDataset.make(normalization: (mean, std)); defer { d.remove() }
        let m = try modality(d)
        let constants = try XCTUnwrap(ExampleNormalization.modality.resolve(modality: m, root: d.root, samples: []))
        XCTAssertEqual(constants.means, mean); XCTAssertEqual(constants.standardDeviations, std)
        let source = try ModalityExampleSource(modality: m, root: d.root, ids: ["s03", "s01"], inputSize: d.side, normalization: constants)
        XCTAssertEqual(source.samples.map(\.id), ["s03", "s01"])
        let e = try source.example(at: 0)
        let raw = try d.array("s03").scalars
        let plane = d.side * d.side
        for c in 0..<4 {
            for p in stride(from: 0, to: plane, by: 37) {
                XCTAssertEqual(e.image.scalars[c * plane + p], Float((Double(raw[c * plane + p]) - mean[c]) / std[c]), accuracy: 1e-5, "c\(c) p\(p)")
            }
        }
    }

    func testStatisticsOverTrainingSamplesOnly() throws {
        let d = try BridgeDataset.make(); defer { d.remove() }
        let m = try modality(d)
        let all = try m.samples(in: d.root)
        let training = Array(all.prefix(4))
        let n = try XCTUnwrap(ExampleNormalization.statistics.resolve(modality: m, root: d.root, samples: training))
        // Reference: population mean and deviation per channel over the four stored arrays.
        for c in 0..<4 {
            var xs: [Double] = []
            for s in training { let a = try d.array(s.id).scalars; xs += a[(c * d.side * d.side)..<((c + 1) * d.side * d.side)].map(Double.init) }
            let mu = xs.reduce(0, +) / Double(xs.count)
            let sd = (xs.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(xs.count)).squareRoot()
            XCTAssertEqual(n.means[c], mu, accuracy: 1e-9); XCTAssertEqual(n.standardDeviations[c], sd, accuracy: 1e-9)
        }
        // Normalised training images (at their own size) then have mean 0 and deviation 1 per channel.
        let source = try ModalityExampleSource(modality: m, root: d.root, samples: training, inputSize: d.side, normalization: n, cacheCapacity: 2)
        var stats = ChannelStatistics(channelCount: 4)
        for i in 0..<source.count { stats.add(try source.example(at: i).image) }
        for c in 0..<4 { XCTAssertEqual(stats.means[c], 0, accuracy: 1e-5); XCTAssertEqual(stats.standardDeviations[c], 1, accuracy: 1e-4) }
        // Asking for the modality's constants when the plugin has none is an error naming the modality.
        XCTAssertThrowsError(try ExampleNormalization.modality.resolve(modality: m, root: d.root, samples: training)) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("square4") == true, "\($0)")
        }
    }

    func testErrorsNameSampleAndFile() throws {
        let d = try BridgeDataset.make(); defer { d.remove() }
        let m = try modality(d)
        // s02 loses its fourth channel; s04 its label.
        try NPY.write(Tensor(shape: [3, d.side, d.side], repeating: 0.5), to: d.root.appendingPathComponent("images/s02.npy"))
        let source = try ModalityExampleSource(modality: m, root: d.root, inputSize: 16, normalization: nil)
        XCTAssertThrowsError(try source.example(at: 2)) { error in
            let text = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(text.contains("s02") && text.contains("images/s02.npy"), text)
        }
        XCTAssertNoThrow(try source.example(at: 1))
        XCTAssertThrowsError(try ModalityExampleSource(modality: m, root: d.root, ids: ["s01", "nope"], inputSize: 16, normalization: nil)) {
            XCTAssertEqual($0 as? BridgeError, .unknownSamples(ids: ["nope"], root: d.root.path))
        }
        XCTAssertThrowsError(try ModalityExampleSource(modality: m, root: d.root, inputSize: 16,
                                                       normalization: try ChannelNormalization(means: [0], standardDeviations: [1]))) {
            XCTAssertEqual($0 as? BridgeError, .channelCount(field: "normalization of square4", expected: 4, got: 1))
        }
    }

    func testSplitIsDeterministicDisjointAndSeeded() throws {
        let ids = (0..<10).map { "x\($0)" }
        let a = try SampleSplit(ids: ids.reversed(), validationFraction: 0.3, seed: 5)
        let b = try SampleSplit(ids: ids, validationFraction: 0.3, seed: 5)
        XCTAssertEqual(a, b)   // input order does not matter
        XCTAssertEqual(a.validation.count, 3); XCTAssertEqual(a.training.count, 7)
        XCTAssertEqual(Set(a.training + a.validation), Set(ids))
        XCTAssertEqual(a.training, a.training.sorted())
        let others = try (0..<8).map { try SampleSplit(ids: ids, validationFraction: 0.3, seed: UInt64(100 + $0)).validation }
        XCTAssertGreaterThan(Set(others).count, 1, "different seeds give different splits")
        XCTAssertEqual(try SampleSplit(ids: ["a", "b"], validationFraction: 0.01, seed: 0).validation.count, 1)
        XCTAssertEqual(try SampleSplit(ids: ["a"], validationFraction: 0.5, seed: 0).training, ["a"])
        XCTAssertThrowsError(try SampleSplit(ids: ids, validationFraction: 1, seed: 0))
    }
}
