import TensorCore
import Transforms
import XCTest

/// Depth never blends across invalid pixels; the valid mask is resampled conservatively.
final class DepthAndMaskTests: XCTestCase {
    let depth = ChannelDescriptor(name: "depth", unit: "m", kind: .depth)

    func depthImage(_ v: [Float], _ h: Int, _ w: Int, mask: [Float]? = nil) -> ChannelImage {
        ChannelImage(values: Tensor(shape: [1, h, w], values: v), channels: [depth],
                     validMask: mask.map { Tensor(shape: [h, w], values: $0) })
    }

    func testOneHoleOfFourIsLeftOutAndWeightsRenormalised() throws {
        // 2x2 -> 1x1: bilinear and area both weight the four pixels ¼. Valid-only: (1+2+3)/3 = 2;
        // plain averaging would give 1.5.
        for interpolation in [ResizeInterpolation.bilinear, .area] {
            let out = try applyOnce(Resize(height: 1, width: 1, interpolation: interpolation),
                                    TransformSample(image: depthImage([1, 2, 3, 0], 2, 2)))
            XCTAssertEqual(out.image.values.scalars, [2], "\(interpolation)")
            XCTAssertNil(out.image.validMask, "depth holes stay in-band by default")
            let folded = try applyOnce(Resize(height: 1, width: 1, interpolation: interpolation, depthHolesInvalidateMask: true),
                                       TransformSample(image: depthImage([1, 2, 3, 0], 2, 2)))
            XCTAssertEqual(folded.image.values.scalars, [2])
            XCTAssertEqual(folded.image.validMask?.scalars, [0], "a hole contributed: conservatively invalid")
            // The same with the hole given by the mask (its stored depth 100 must not leak in).
            let masked = try applyOnce(Resize(height: 1, width: 1, interpolation: interpolation),
                                       TransformSample(image: depthImage([1, 2, 3, 100], 2, 2, mask: [1, 1, 1, 0])))
            XCTAssertEqual(masked.image.values.scalars, [2])
            XCTAssertEqual(masked.image.validMask?.scalars, [0])
        }
    }

    func testDepthEdgeNextToAHoleHasNoIntermediateDepths() throws {
        // Rows of [2, 2, 2, 0, 0, 0, 5, 5]: surfaces at 2 m and 5 m around a hole.
        let row: [Float] = [2, 2, 2, 0, 0, 0, 5, 5]
        let image = depthImage(row + row + row, 3, 8)
        for (h, w) in [(3, 16), (5, 13), (3, 5), (2, 3), (7, 29)] {
            for interpolation in [ResizeInterpolation.bilinear, .area] {
                let out = try applyOnce(Resize(height: h, width: w, interpolation: interpolation, depthHolesInvalidateMask: true),
                                        TransformSample(image: image))
                let mask = out.image.validMask?.scalars ?? []
                for (i, v) in out.image.values.scalars.enumerated() {
                    if interpolation == .bilinear {
                        // Bilinear contributors are adjacent pairs, never 2 m and 5 m together.
                        XCTAssert(v == 0 || abs(v - 2) < 1e-6 || abs(v - 5) < 1e-6, "\(h)x\(w) bilinear: \(v)")
                    } else {
                        XCTAssert(v == 0 || (v >= 2 - 1e-6 && v <= 5 + 1e-6), "\(h)x\(w) area: \(v)")
                    }
                    if v == 0 { XCTAssertEqual(mask[i], 0, "a pixel without valid neighbours is invalid") }
                }
            }
        }
        // Plain bilinear would put 1.0 between the last 2 m pixel and the hole (4 -> 8 halfway).
        let up = try applyOnce(Resize(height: 1, width: 16), TransformSample(image: depthImage(row, 1, 8)))
        XCTAssertEqual(Array(up.image.values.scalars[5...7]), [2, 2, 0], "src 2.25 and 2.75 → 2 m; src 3.25 → hole")
    }

    func testNoValidNeighbourGivesZeroAndMaskZero() throws {
        // 4x4 with a 2x2 hole at the top-left; area 4x4 -> 2x2.
        var v = [Float](repeating: 3, count: 16)
        for (y, x) in [(0, 0), (0, 1), (1, 0), (1, 1)] { v[y * 4 + x] = 0 }
        v[2] = 4; v[3] = 6
        let out = try applyOnce(Resize(height: 2, width: 2, interpolation: .area), TransformSample(image: depthImage(v, 4, 4)))
        XCTAssertEqual(out.image.values.scalars, [0, 4, 3, 3], "no valid neighbour → the depth invalid value 0")
        XCTAssertNil(out.image.validMask)
        let folded = try applyOnce(Resize(height: 2, width: 2, interpolation: .area, depthHolesInvalidateMask: true),
                                   TransformSample(image: depthImage(v, 4, 4)))
        XCTAssertEqual(folded.image.values.scalars, [0, 4, 3, 3])
        XCTAssertEqual(folded.image.validMask?.scalars, [0, 1, 1, 1])
    }

    func testDepthNearestKeepsValuesAndMask() throws {
        let out = try applyOnce(Resize(height: 4, width: 4, interpolation: .nearest(.pillow), depthHolesInvalidateMask: true),
                                TransformSample(image: depthImage([1, 0, 3, 4], 2, 2)))
        XCTAssertEqual(out.image.values.scalars, [1, 1, 0, 0, 1, 1, 0, 0, 3, 3, 4, 4, 3, 3, 4, 4])
        XCTAssertEqual(out.image.validMask?.scalars, [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
    }

    func testConservativeMaskCountsOnlyPositiveWeights() throws {
        // 1x4 -> 1x8 bilinear: src = o/2 − 1/4 (clamped at 0): o=0 reads only pixel 0 (the weight of
        // pixel 1 is 0), o=1,2 read pixels 0,1; o=3,4 read 1,2; o=5,6 read 2,3; o=7 reads 3.
        let image = ChannelImage(values: Tensor(shape: [1, 1, 4], values: [1, 2, 3, 4]),
                                 channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity)],
                                 validMask: Tensor(shape: [1, 4], values: [1, 0, 1, 1]))
        let out = try applyOnce(Resize(height: 1, width: 8), TransformSample(image: image))
        XCTAssertEqual(out.image.validMask?.scalars, [1, 0, 0, 0, 0, 1, 1, 1])
        // Intensity is interpolated plainly (PyTorch parity): 1.25 at o=1.
        XCTAssertEqual(out.image.values.scalars[1], 1.25, accuracy: 1e-6)
        // Nearest: the mask follows the chosen pixel.
        let nearest = try applyOnce(Resize(height: 1, width: 8, interpolation: .nearest(.pillow)), TransformSample(image: image))
        XCTAssertEqual(nearest.image.validMask?.scalars, [1, 1, 0, 0, 1, 1, 1, 1])
    }

    func testMixedKindsEachFollowTheirRule() throws {
        // Intensity, depth with a hole, AoLP near the wrap and a label channel in one image.
        let values: [Float] = [0, 4, 8, 12,            // intensity
                               1, 1, 0, 3,             // depth
                               0.01, 3.13, 0.01, 3.13, // AoLP
                               1, 1, 2, 2]             // label
        let image = ChannelImage(values: Tensor(shape: [4, 1, 4], values: values),
                                 channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity), depth,
                                            ChannelDescriptor(name: "AoLP", unit: "rad", kind: .angle(period: .pi)),
                                            ChannelDescriptor(name: "class", unit: "1", kind: .label)])
        let out = try applyOnce(Resize(height: 1, width: 2, interpolation: .area, depthHolesInvalidateMask: true),
                                TransformSample(image: image))
        let v = out.image.values.scalars
        XCTAssertEqual(Array(v[0..<2]), [2, 10])
        XCTAssertEqual(Array(v[2..<4]), [1, 3])
        XCTAssertLessThan(angularDistance(Double(v[4]), 0, period: .pi), 0.012)
        XCTAssertLessThan(angularDistance(Double(v[5]), 0, period: .pi), 0.012)
        XCTAssertEqual(Array(v[6..<8]), [1, 2])
        XCTAssertEqual(out.image.validMask?.scalars, [1, 0])
    }
}

final class LinearKindTests: XCTestCase {
    /// Temperature and Hounsfield channels interpolate exactly like intensity (plain linear), and
    /// a depth channel without holes does too (renormalising by weights that sum to 1).
    func testLinearKindsMatchIntensity() throws {
        var g = SeededGenerator(seed: 2)
        let plane = (0..<(6 * 7)).map { _ in 1 + g.nextUniform() }
        for interpolation in [ResizeInterpolation.bilinear, .area] {
            let reference = try applyOnce(Resize(height: 4, width: 11, interpolation: interpolation),
                                          TransformSample(image: intensityImage(Tensor(shape: [1, 6, 7], values: plane))))
            for kind in [ChannelKind.temperature, .hounsfield, .depth] {
                let image = ChannelImage(values: Tensor(shape: [1, 6, 7], values: plane), channels: [ChannelDescriptor(name: "x", unit: "u", kind: kind)])
                let out = try applyOnce(Resize(height: 4, width: 11, interpolation: interpolation), TransformSample(image: image))
                assertClose(out.image.values, reference.image.values, tolerance: 1e-6, "\(kind) \(interpolation)")
            }
        }
    }
}
