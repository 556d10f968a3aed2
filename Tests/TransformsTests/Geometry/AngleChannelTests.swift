import Foundation
import TensorCore
import Transforms
import XCTest

/// Angle channels: doubled-angle resampling (hand-derived values, the 0/π wrap) and the rules
/// under flips and quarter turns, checked against orientations measured from transformed pixels.
final class AngleChannelTests: XCTestCase {
    let aolp = ChannelDescriptor(name: "AoLP", unit: "rad", kind: .angle(period: .pi))

    func angleImage(_ values: [Float], height: Int, width: Int, period: Double = .pi) -> ChannelImage {
        ChannelImage(values: Tensor(shape: [1, height, width], values: values),
                     channels: [ChannelDescriptor(name: "angle", unit: "rad", kind: .angle(period: period))])
    }

    func testDoubledAngleInterpolationHandValues() throws {
        // [0, π/2] upsampled 2 -> 4: bilinear weights (1), (¾,¼), (¼,¾), (1). In doubled-angle space
        // the ends are (1,0) and (−1,0): the middle outputs are (½,0) → 0 and (−½,0) → π/2.
        // Plain linear interpolation would give π/8 and 3π/8.
        let a = try applyOnce(Resize(height: 1, width: 4), TransformSample(image: angleImage([0, .pi / 2], height: 1, width: 2)))
        let v = a.image.values.scalars.map(Double.init)
        for (got, want) in zip(v, [0, 0, Double.pi / 2, Double.pi / 2]) {
            XCTAssertLessThan(angularDistance(got, want, period: .pi), 1e-6, "\(v)")
        }
        // [π/8, 3π/8]: ¾(cos π/4, sin π/4) + ¼(cos 3π/4, sin 3π/4) = (√2/4, √2/2), angle atan(2)/2.
        let b = try applyOnce(Resize(height: 1, width: 4), TransformSample(image: angleImage([.pi / 8, 3 * .pi / 8], height: 1, width: 2)))
        XCTAssertEqual(Double(b.image.values.scalars[1]), atan(2.0) / 2, accuracy: 1e-6)
        XCTAssertEqual(Double(b.image.values.scalars[2]), .pi / 2 - atan(2.0) / 2, accuracy: 1e-6)
    }

    func testConstantOrientationNearTheWrapStaysConstant() throws {
        // A constant AoLP of 3.14 (just below π) and a checkerboard of 0.02 / π − 0.02 (both within
        // 0.02 rad of horizontal). Plain linear averaging of the checkerboard gives about π/2.
        var checker = [Float](repeating: 0, count: 64)
        for y in 0..<8 { for x in 0..<8 { checker[y * 8 + x] = (x + y) % 2 == 0 ? 0.02 : Float(Double.pi - 0.02) } }
        for interpolation in [ResizeInterpolation.bilinear, .area] {
            for (h, w) in [(4, 4), (3, 5), (13, 11)] {
                let constant = try applyOnce(Resize(height: h, width: w, interpolation: interpolation),
                                       TransformSample(image: angleImage([Float](repeating: 3.14, count: 64), height: 8, width: 8)))
                for v in constant.image.values.scalars {
                    XCTAssertLessThan(angularDistance(Double(v), 3.14, period: .pi), 1e-5)
                    XCTAssert(v >= 0 && v < Float.pi)
                }
                let mixed = try applyOnce(Resize(height: h, width: w, interpolation: interpolation),
                                    TransformSample(image: angleImage(checker, height: 8, width: 8)))
                for v in mixed.image.values.scalars {
                    XCTAssertLessThanOrEqual(angularDistance(Double(v), 0, period: .pi), 0.0201, "\(interpolation) \(h)x\(w)")
                }
            }
        }
    }

    func testRuleTable() {
        let P = Double.pi
        XCTAssertEqual(AngleChannelGeometry.horizontalFlip(0.3, period: P), P - 0.3, accuracy: 1e-12)
        XCTAssertEqual(AngleChannelGeometry.verticalFlip(0.3, period: P), P - 0.3, accuracy: 1e-12)
        XCTAssertEqual(AngleChannelGeometry.rotate90(0.3, period: P, quarterTurns: 1), 0.3 + P / 2, accuracy: 1e-12)
        // Full directions (period 2π): mirror about a vertical axis is π − θ, not −θ.
        XCTAssertEqual(AngleChannelGeometry.horizontalFlip(0.3, period: 2 * P), P - 0.3, accuracy: 1e-12)
        XCTAssertEqual(AngleChannelGeometry.verticalFlip(0.3, period: 2 * P), 2 * P - 0.3, accuracy: 1e-12)
        XCTAssertEqual(AngleChannelGeometry.rotate90(0.3, period: 2 * P, quarterTurns: 1), 2 * P + 0.3 - P / 2, accuracy: 1e-12)
        XCTAssertEqual(AngleChannelGeometry.rotate90(0.3, period: 2 * P, quarterTurns: -1), 0.3 + P / 2, accuracy: 1e-12)
    }

    /// Stripes along direction α: I = cos(2π f (−sin α·X + cos α·Y)) at pixel centres (X, Y).
    func stripes(alpha: Double, height: Int, width: Int, frequency: Double = 0.06) -> [Float] {
        var out = [Float](repeating: 0, count: height * width)
        for y in 0..<height { for x in 0..<width {
            let (X, Y) = (Double(x) + 0.5, Double(y) + 0.5)
            out[y * width + x] = Float(cos(2 * .pi * frequency * (-sin(alpha) * X + cos(alpha) * Y)))
        } }
        return out
    }

    /// Stripe orientation in [0, π) from the structure tensor of central differences (x right, y down).
    func stripeOrientation(_ plane: [Float], height: Int, width: Int) -> Double {
        var (jxx, jyy, jxy) = (0.0, 0.0, 0.0)
        for y in 1..<(height - 1) { for x in 1..<(width - 1) {
            let gx = Double(plane[y * width + x + 1] - plane[y * width + x - 1]) / 2
            let gy = Double(plane[(y + 1) * width + x] - plane[(y - 1) * width + x]) / 2
            jxx += gx * gx; jyy += gy * gy; jxy += gx * gy
        } }
        let gradient = 0.5 * atan2(2 * jxy, jxx - jyy)
        return AngleChannelGeometry.wrap(gradient + .pi / 2, period: .pi)
    }

    func testAoLPFollowsTheOrientationOfTransformedStripes() throws {
        let (H, W, alpha) = (40, 56, 0.3)
        var values = stripes(alpha: alpha, height: H, width: W)
        values += [Float](repeating: Float(alpha), count: H * W)
        let image = ChannelImage(values: Tensor(shape: [2, H, W], values: values),
                                 channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity), aolp])
        XCTAssertLessThan(angularDistance(stripeOrientation(Array(values[0..<(H * W)]), height: H, width: W), alpha, period: .pi), 0.01,
                          "the estimator recovers the drawn orientation")
        // For α = 0.3 a missing rule (θ unchanged) or a P/4 shift would be off by ≥ 0.5 rad after
        // the flips and odd quarter turns.
        let transforms: [any ChannelTransform] = [Flip(.horizontal), Flip(.vertical), Rotate90(quarterTurns: 1),
                                                  Rotate90(quarterTurns: 2), Rotate90(quarterTurns: 3),
                                                  TransformPipeline([Flip(.horizontal), Rotate90(quarterTurns: 1)])]
        for t in transforms {
            let out = try applyOnce(t, TransformSample(image: image)).image
            let (h, w) = (out.height, out.width)
            let all = out.values.scalars
            let measured = stripeOrientation(Array(all[0..<(h * w)]), height: h, width: w)
            for v in all[(h * w)...] {
                XCTAssertLessThan(angularDistance(Double(v), measured, period: .pi), 0.01, t.description)
            }
        }
    }

    func testFullDirectionsFollowTheGradientOfATransformedRamp() throws {
        // A ramp I = a·X + b·Y has gradient direction atan2(b, a) (period 2π) everywhere.
        let (H, W, a, b) = (9, 12, 0.7, -0.4)
        var values = [Float](repeating: 0, count: 2 * H * W)
        let theta = AngleChannelGeometry.wrap(atan2(b, a), period: 2 * .pi)
        for y in 0..<H { for x in 0..<W {
            values[y * W + x] = Float(a * (Double(x) + 0.5) + b * (Double(y) + 0.5))
            values[H * W + y * W + x] = Float(theta)
        } }
        let image = ChannelImage(values: Tensor(shape: [2, H, W], values: values),
                                 channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity),
                                            ChannelDescriptor(name: "gradient direction", unit: "rad", kind: .angle(period: 2 * .pi))])
        for t in [Flip(.horizontal), Flip(.vertical), Rotate90(quarterTurns: 1), Rotate90(quarterTurns: 2), Rotate90(quarterTurns: 3)] as [any ChannelTransform] {
            let out = try applyOnce(t, TransformSample(image: image)).image
            let (h, w) = (out.height, out.width), v = out.values.scalars
            let gx = Double(v[1] - v[0]), gy = Double(v[w] - v[0])
            let measured = AngleChannelGeometry.wrap(atan2(gy, gx), period: 2 * .pi)
            for angle in v[(h * w)...] {
                XCTAssertLessThan(angularDistance(Double(angle), measured, period: 2 * .pi), 1e-5, t.description)
            }
        }
    }
}

