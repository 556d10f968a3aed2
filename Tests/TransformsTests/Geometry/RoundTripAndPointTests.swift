import TensorCore
import Transforms
import XCTest

/// Identities (flip twice, four quarter turns, crop of a pad) and prompt points moving with the pixels.
final class RoundTripAndPointTests: XCTestCase {
    /// 3 channels (intensity, AoLP, label) 5x7, a mask with one hole, a label map and points.
    func sample() -> TransformSample {
        var g = SeededGenerator(seed: 7)
        let (H, W) = (5, 7)
        var v = [Float](repeating: 0, count: 3 * H * W)
        for i in 0..<(H * W) {
            v[i] = g.nextUniform()
            v[H * W + i] = g.nextUniform() * Float.pi * 0.999
            v[2 * H * W + i] = Float(i % 4)
        }
        var mask = [Float](repeating: 1, count: H * W); mask[8] = 0
        let image = ChannelImage(values: Tensor(shape: [3, H, W], values: v),
                                 channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity),
                                            ChannelDescriptor(name: "AoLP", unit: "rad", kind: .angle(period: .pi)),
                                            ChannelDescriptor(name: "class", unit: "1", kind: .label)],
                                 validMask: Tensor(shape: [H, W], values: mask))
        let label = Tensor(shape: [H, W], values: (0..<(H * W)).map { Float($0 % 3) })
        return TransformSample(image: image, label: label, points: [SIMD2(0.5, 0.5), SIMD2(3.5, 2.5), SIMD2(6.25, 4.75)])
    }

    func assertSame(_ a: TransformSample, _ b: TransformSample, angleTolerance: Float, _ message: String) {
        XCTAssertEqual(a.image.values.shape, b.image.values.shape, message)
        let (x, y) = (a.image.values.scalars, b.image.values.scalars)
        let plane = a.image.height * a.image.width
        for i in x.indices {
            if i / plane == 1 {
                XCTAssertLessThanOrEqual(angularDistance(Double(x[i]), Double(y[i]), period: .pi), Double(angleTolerance), message)
            } else {
                XCTAssertEqual(x[i], y[i], message)
            }
        }
        XCTAssertEqual(a.image.validMask?.scalars, b.image.validMask?.scalars, message)
        XCTAssertEqual(a.label?.scalars, b.label?.scalars, message)
        XCTAssertEqual(a.points.count, b.points.count, message)
        for (p, q) in zip(a.points, b.points) {
            XCTAssertEqual(p.x, q.x, accuracy: 1e-12, message); XCTAssertEqual(p.y, q.y, accuracy: 1e-12, message)
        }
    }

    func testFlipTwiceIsIdentity() throws {
        let s = sample()
        for d in FlipDirection.allCases {
            let once = try applyOnce(Flip(d), s)
            XCTAssertNotEqual(once.image.values.scalars, s.image.values.scalars)
            assertSame(try applyOnce(TransformPipeline([Flip(d), Flip(d)]), s), s, angleTolerance: 1e-6, "flip \(d) twice")
        }
    }

    func testFourQuarterTurnsAreIdentityAndTwoFlipsAreAHalfTurn() throws {
        let s = sample()
        assertSame(try applyOnce(TransformPipeline(Array(repeating: Rotate90(quarterTurns: 1), count: 4)), s), s,
                   angleTolerance: 1e-6, "four quarter turns")
        assertSame(try applyOnce(TransformPipeline([Rotate90(quarterTurns: 1), Rotate90(quarterTurns: -1)]), s), s,
                   angleTolerance: 1e-6, "turn and turn back")
        assertSame(try applyOnce(TransformPipeline([Flip(.horizontal), Flip(.vertical)]), s),
                   try applyOnce(Rotate90(quarterTurns: 2), s), angleTolerance: 1e-6, "hflip∘vflip = half turn")
    }

    func testCropOfPadIsIdentity() throws {
        let s = sample()
        let padded = try applyOnce(Pad(top: 2, bottom: 1, left: 3, right: 4, value: -7, labelValue: 9), s)
        XCTAssertEqual(padded.image.values.shape, [3, 8, 14])
        let m = padded.image.validMask!.scalars
        XCTAssertEqual(m.reduce(0, +), 34, "the 35 pixels inside minus the one hole are valid")
        XCTAssertEqual(padded.image.values.scalars[0], -7)
        XCTAssertEqual(padded.image.values.scalars[2 * 8 * 14], 9, "label channel padded with the label value")
        XCTAssertEqual(padded.label?.scalars[0], 9)
        assertSame(try applyOnce(Crop(top: 2, left: 3, height: 5, width: 7), padded), s, angleTolerance: 0, "crop of pad")
    }

    func testPadCreatesAMaskWhenThereWasNone() throws {
        let image = ChannelImage(values: Tensor.ones([1, 2, 2]), channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity)])
        let out = try applyOnce(Pad(right: 1), TransformSample(image: image))
        XCTAssertEqual(out.image.validMask?.scalars, [1, 1, 0, 1, 1, 0])
    }

    /// Every transform must carry a point at a pixel centre to the centre of the pixel holding
    /// the same value (resizes by odd factors, so that centres map to centres).
    func testPointsMoveWithThePixels() throws {
        let (H, W) = (6, 9)
        let values = Tensor(shape: [1, H, W], values: (0..<(H * W)).map(Float.init))
        let image = ChannelImage(values: values, channels: [ChannelDescriptor(name: "id", unit: "1", kind: .label)])
        let points = [(0, 0), (2, 5), (5, 8), (3, 1)].map { SIMD2(Double($0.1) + 0.5, Double($0.0) + 0.5) }
        let s = TransformSample(image: image, points: points)
        let transforms: [any ChannelTransform] = [
            Flip(.horizontal), Flip(.vertical), Rotate90(quarterTurns: 1), Rotate90(quarterTurns: 2), Rotate90(quarterTurns: 3),
            Crop(top: 0, left: 0, height: 6, width: 9), Pad(top: 1, bottom: 2, left: 3, right: 0),
            Resize(height: 12, width: 27, interpolation: .nearest(.pillow)), Resize(height: 18, width: 27, labelRule: .torchLegacy),
            ChannelResizeLongestSide(longestSide: 27, interpolation: .nearest(.pillow)),
            TransformPipeline([Rotate90(quarterTurns: 1), Flip(.horizontal), Pad(top: 2, left: 1)]),
        ]
        for t in transforms {
            let out = try applyOnce(t, s)
            let (h, w) = (out.image.height, out.image.width)
            let v = out.image.values.scalars
            for (p, q) in zip(s.points, out.points) {
                let want = Float(Int(p.y) * W + Int(p.x))
                XCTAssertEqual(q.x - q.x.rounded(.down), 0.5, accuracy: 1e-9, "\(t.description): a centre maps to a centre")
                let (x, y) = (Int(q.x), Int(q.y))
                XCTAssert(x >= 0 && x < w && y >= 0 && y < h, "\(t.description): \(q) inside \(h)x\(w)")
                XCTAssertEqual(v[y * w + x], want, "\(t.description): point \(p) → \(q)")
            }
        }
    }

    func testResizeLongestSideFollowsSAMsRounding() throws {
        // 30x50 -> longest 64: scale 1.28, 30·1.28 = 38.4 → 38; 37x50 -> 47.36 → 47; 25x50 -> 32.
        XCTAssert(ChannelResizeLongestSide.targetSize(height: 30, width: 50, longestSide: 64) == (38, 64))
        XCTAssert(ChannelResizeLongestSide.targetSize(height: 37, width: 50, longestSide: 64) == (47, 64))
        XCTAssert(ChannelResizeLongestSide.targetSize(height: 50, width: 25, longestSide: 64) == (64, 32))
        // int(x + 0.5) rounds halves up: 3x8 -> 16: 3·2 = 6; 5x8 -> 12: 7.5 → 8.
        XCTAssert(ChannelResizeLongestSide.targetSize(height: 5, width: 8, longestSide: 12) == (8, 12))
        let image = ChannelImage(values: Tensor.ones([1, 30, 50]), channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity)])
        let out = try applyOnce(ChannelResizeLongestSide(longestSide: 64), TransformSample(image: image))
        XCTAssertEqual(out.image.values.shape, [1, 64, 64])
        let mask = out.image.validMask!.scalars
        XCTAssertEqual(mask.reduce(0, +), Float(38 * 64))
        XCTAssertEqual(mask[37 * 64 + 63], 1); XCTAssertEqual(mask[38 * 64], 0)
    }
}
