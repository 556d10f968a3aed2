import TensorCore
import TensorFiles
import TensorKernels
import Transforms
import XCTest

/// Resize, flip and rotation against PyTorch 2.13 / Pillow 13 outputs (fixtures/geometry).
final class InterpolationFixtureTests: XCTestCase {
    func sizes(_ archive: TensorArchive, prefix: String) -> [(String, Int, Int)] {
        archive.names.compactMap { name -> (String, Int, Int)? in
            guard name.hasPrefix(prefix) else { return nil }
            let dims = name.dropFirst(prefix.count).split(separator: "x").compactMap { Int($0) }
            return dims.count == 2 ? (name, dims[0], dims[1]) : nil
        }
    }

    func check(input: String, prefix: String, interpolation: ResizeInterpolation, minimumCases: Int) throws {
        let a = try GeometryFixtures.archive("interpolate.safetensors")
        let x = try GeometryFixtures.tensor(a, input)
        let cases = sizes(a, prefix: prefix)
        XCTAssertGreaterThanOrEqual(cases.count, minimumCases, "fixture cases for \(prefix)")
        for (name, h, w) in cases {
            let out = try applyOnce(Resize(height: h, width: w, interpolation: interpolation), TransformSample(image: intensityImage(x)))
            assertClose(out.image.values, try GeometryFixtures.tensor(a, name), name)
            XCTAssertNil(out.image.validMask, "no mask appears for an all-valid image")
        }
    }

    func testBilinearMatchesTorch() throws {
        try check(input: "x", prefix: "bilinear_", interpolation: .bilinear, minimumCases: 7)
        try check(input: "big", prefix: "big_bilinear_", interpolation: .bilinear, minimumCases: 2)
    }

    func testAreaMatchesTorch() throws {
        try check(input: "x", prefix: "area_", interpolation: .area, minimumCases: 7)
        try check(input: "big", prefix: "big_area_", interpolation: .area, minimumCases: 2)
    }

    func testTorchLegacyNearestMatchesTorch() throws {
        try check(input: "x", prefix: "nearest_", interpolation: .nearest(.torchLegacy), minimumCases: 7)
        try check(input: "big", prefix: "big_nearest_", interpolation: .nearest(.torchLegacy), minimumCases: 2)
    }

    func testPillowNearestOnLabelMapsMatchesPillow() throws {
        let a = try GeometryFixtures.archive("pillow.safetensors")
        for (labelName, prefix, minimum) in [("label", "nearest_", 8), ("label_b", "b_nearest_", 2)] {
            let label = try GeometryFixtures.tensor(a, labelName)
            let (H, W) = (label.shape[0], label.shape[1])
            let image = intensityImage(Tensor.zeros([1, H, W]))
            let labelChannel = ChannelImage(values: label.reshaped([1, H, W]),
                                            channels: [ChannelDescriptor(name: "ids", unit: "1", kind: .label)])
            let cases = sizes(a, prefix: prefix)
            XCTAssertGreaterThanOrEqual(cases.count, minimum)
            for (name, h, w) in cases {
                let expected = try GeometryFixtures.tensor(a, name)
                // The label map of a sample, under a bilinear image resize.
                let out = try applyOnce(Resize(height: h, width: w, interpolation: .bilinear, labelRule: .pillow),
                                  TransformSample(image: image, label: label))
                XCTAssertEqual(out.label?.scalars, expected.scalars, name)
                // A label channel inside the image, under a bilinear resize, uses nearest too.
                let ch = try applyOnce(Resize(height: h, width: w, interpolation: .area, labelRule: .pillow), TransformSample(image: labelChannel))
                XCTAssertEqual(ch.image.values.scalars, expected.scalars, "label channel \(name)")
                // And an image resized with Pillow's nearest rule.
                let im = try applyOnce(Resize(height: h, width: w, interpolation: .nearest(.pillow)),
                                 TransformSample(image: intensityImage(label.reshaped([1, H, W]))))
                XCTAssertEqual(im.image.values.scalars, expected.scalars, "image \(name)")
            }
        }
    }

    func testPillowAndTorchLegacyRulesDiffer() {
        // 4 -> 2: Pillow samples the centres (1, 3), torch legacy the top-left pixels (0, 2).
        let label = Tensor(shape: [1, 4], values: [10, 11, 12, 13])
        let image = intensityImage(Tensor.zeros([1, 1, 4]))
        let pillow = try? applyOnce(Resize(height: 1, width: 2, labelRule: .pillow), TransformSample(image: image, label: label))
        let legacy = try? applyOnce(Resize(height: 1, width: 2, labelRule: .torchLegacy), TransformSample(image: image, label: label))
        XCTAssertEqual(pillow?.label?.scalars, [11, 13])
        XCTAssertEqual(legacy?.label?.scalars, [10, 12])
    }

    func testFlipAndRotationMatchTorch() throws {
        let a = try GeometryFixtures.archive("flip_rot.safetensors")
        let x = try GeometryFixtures.tensor(a, "x")
        let sample = TransformSample(image: intensityImage(x))
        XCTAssertEqual(try applyOnce(Flip(.horizontal), sample).image.values.scalars, try GeometryFixtures.tensor(a, "flip_w").scalars)
        XCTAssertEqual(try applyOnce(Flip(.vertical), sample).image.values.scalars, try GeometryFixtures.tensor(a, "flip_h").scalars)
        for k in 1...3 {
            let expected = try GeometryFixtures.tensor(a, "rot90_k\(k)")
            let out = try applyOnce(Rotate90(quarterTurns: k), sample).image.values
            XCTAssertEqual(out.shape, expected.shape, "k=\(k)")
            XCTAssertEqual(out.scalars, expected.scalars, "k=\(k)")
            let negative = try applyOnce(Rotate90(quarterTurns: k - 4), sample).image.values
            XCTAssertEqual(negative.scalars, expected.scalars, "k=\(k - 4)")
        }
    }
}

/// Large images take the parallel row path; checked against the engine's dense-matrix resampler
/// (`Resample.matrix` + two GEMMs in the TensorKernels target), an independent implementation.
final class LargeImageResizeTests: XCTestCase {
    func testParallelPathAgreesWithTheDenseMatrixResampler() throws {
        var g = SeededGenerator(seed: 21)
        let (C, H, W) = (2, 300, 410)
        let x = Tensor(shape: [C, H, W], values: (0..<(C * H * W)).map { _ in g.nextUniform() })
        for (mode, interpolation, oh, ow) in [(Resample.Mode.bilinear, ResizeInterpolation.bilinear, 517, 611),
                                              (.bilinear, .bilinear, 128, 200), (.adaptiveAverage, .area, 97, 133),
                                              (.nearest, .nearest(.torchLegacy), 640, 333)] {
            let expected = Resample.apply(x, mh: Resample.matrix(mode, input: H, output: oh), mw: Resample.matrix(mode, input: W, output: ow),
                                          outH: oh, outW: ow, inH: H, inW: W)
            let out = try applyOnce(Resize(height: oh, width: ow, interpolation: interpolation), TransformSample(image: intensityImage(x)))
            assertClose(out.image.values, expected, tolerance: 2e-5, "\(interpolation) \(oh)x\(ow)")
        }
    }
}
