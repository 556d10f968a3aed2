import TensorCore
import Transforms
import XCTest

/// Random transforms: driven only by the passed generator (same seed → same result), and their
/// draws cover what they should.
final class RandomGeometryTests: XCTestCase {
    func sample(_ H: Int = 12, _ W: Int = 17) -> TransformSample {
        let v = Tensor(shape: [1, H, W], values: (0..<(H * W)).map(Float.init))
        return TransformSample(image: ChannelImage(values: v, channels: [ChannelDescriptor(name: "id", unit: "1", kind: .label)]),
                               label: v.reshaped([H, W]), points: [SIMD2(4.5, 3.5)])
    }

    func pipeline() -> TransformPipeline {
        TransformPipeline([RandomResizedCrop(height: 9, width: 9, interpolation: .nearest(.pillow)), RandomFlip(.horizontal),
                           RandomFlip(.vertical), RandomRotate90(), RandomCrop(height: 7, width: 8)])
    }

    func testSameSeedSameResultAndGeneratorState() throws {
        let s = sample()
        var outputs: [[Float]] = []
        for seed: UInt64 in [1, 1, 2] {
            var g = SeededGenerator(seed: seed)
            let out = try pipeline().apply(s, generator: &g)
            outputs.append(out.image.values.scalars + (out.label?.scalars ?? []) + out.points.flatMap { [Float($0.x), Float($0.y)] })
            var h = SeededGenerator(seed: seed)
            _ = try pipeline().apply(s, generator: &h)
            XCTAssertEqual(g, h, "the generator advances identically")
        }
        XCTAssertEqual(outputs[0], outputs[1])
        // Different seeds give different crops almost surely; check over several seeds.
        var distinct = Set<[Float]>()
        for seed: UInt64 in 10..<20 {
            var g = SeededGenerator(seed: seed)
            distinct.insert(try pipeline().apply(s, generator: &g).image.values.scalars)
        }
        XCTAssertGreaterThan(distinct.count, 5)
    }

    func testRandomCropCoversEveryPositionAndKeepsLabelsAligned() throws {
        let s = sample(5, 6)
        var g = SeededGenerator(seed: 3)
        var corners = Set<Float>()
        for _ in 0..<400 {
            let out = try RandomCrop(height: 3, width: 4).apply(s, generator: &g)
            XCTAssertEqual(out.image.values.shape, [1, 3, 4])
            XCTAssertEqual(out.image.values.scalars, out.label?.scalars)
            let corner = out.image.values.scalars[0]
            corners.insert(corner)
            // The point moved by the crop offset.
            let (top, left) = (Int(corner) / 6, Int(corner) % 6)
            XCTAssertEqual(out.points[0], SIMD2(4.5 - Double(left), 3.5 - Double(top)))
        }
        XCTAssertEqual(corners, Set([0, 1, 2, 6, 7, 8, 12, 13, 14]), "all (5−3+1)·(6−4+1) positions occur")
    }

    func testRandomFlipProbability() throws {
        let s = sample(2, 3)
        let flipped = try applyOnce(Flip(.horizontal), s).image.values.scalars
        var g = SeededGenerator(seed: 5)
        var count = 0
        for _ in 0..<1000 where try RandomFlip(.horizontal).apply(s, generator: &g).image.values.scalars == flipped { count += 1 }
        XCTAssert((430...570).contains(count), "p = 0.5 flips about half: \(count)")
        for p in [0.0, 1.0] {
            let out = try RandomFlip(.horizontal, probability: p).apply(s, generator: &g).image.values.scalars
            XCTAssertEqual(out, p == 1 ? flipped : s.image.values.scalars)
        }
    }

    func testRandomRotate90DrawsEveryAllowedTurn() throws {
        let s = sample(2, 3)
        var shapes = [[Int]: Int]()
        var g = SeededGenerator(seed: 11)
        for _ in 0..<200 { shapes[try RandomRotate90().apply(s, generator: &g).image.values.shape, default: 0] += 1 }
        XCTAssertEqual(Set(shapes.keys), Set([[1, 2, 3], [1, 3, 2]]))
        let only = try RandomRotate90(quarterTurns: [2]).apply(s, generator: &g)
        XCTAssertEqual(only.image.values.scalars, try applyOnce(Rotate90(quarterTurns: 2), s).image.values.scalars)
    }

    func testRandomResizedCropWindowsStayInBounds() {
        let t = RandomResizedCrop(height: 8, width: 8)
        var g = SeededGenerator(seed: 9)
        var areas: [Double] = []
        for _ in 0..<500 {
            let w = t.window(imageHeight: 40, imageWidth: 60, generator: &g)
            XCTAssert(w.top >= 0 && w.left >= 0 && w.top + w.height <= 40 && w.left + w.width <= 60 && w.height > 0 && w.width > 0)
            let ratio = Double(w.width) / Double(w.height)
            areas.append(Double(w.width * w.height) / 2400)
            XCTAssert(ratio > 0.6 && ratio < 1.6, "ratio \(ratio) near [3/4, 4/3] after rounding")
        }
        XCTAssertLessThan(areas.min()!, 0.2); XCTAssertGreaterThan(areas.max()!, 0.6)
        // A ratio range the image cannot hold: every attempt needs w = √(2400·r) > 60, so torchvision's
        // fallback applies: in-ratio 1.5 < 3 → full width 60, height round(60/3) = 20, centred.
        let tall = RandomResizedCrop(height: 4, width: 4, scale: 1...1, ratio: 3...4)
        let w = tall.window(imageHeight: 40, imageWidth: 60, generator: &g)
        XCTAssertEqual([w.top, w.left, w.height, w.width], [10, 0, 20, 60])
    }
}
