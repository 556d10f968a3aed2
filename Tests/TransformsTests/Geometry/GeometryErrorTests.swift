import TensorCore
import Transforms
import XCTest

/// Bad input gives a typed error that names the field, never a crash.
final class GeometryErrorTests: XCTestCase {
    let sample = TransformSample(image: ChannelImage(values: Tensor.zeros([1, 4, 5]),
                                                     channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity)]))

    func expect(_ t: some ChannelTransform, _ s: TransformSample? = nil, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try applyOnce(t, s ?? sample), file: file, line: line) { e in
            XCTAssert(e is GeometryError, "\(e)", file: file, line: line)
            XCTAssert(e.localizedDescription.contains(mentions), e.localizedDescription, file: file, line: line)
        }
    }

    func testBadSizesAndWindows() {
        expect(Resize(height: 0, width: 3), mentions: "resize: output size")
        expect(Crop(top: 1, left: 2, height: 4, width: 2), mentions: "crop: window")
        expect(Crop(top: -1, left: 0, height: 1, width: 1), mentions: "inside the 4x5 image")
        expect(Crop(top: 0, left: 0, height: 0, width: 1), mentions: "crop: size")
        expect(Pad(top: -1), mentions: "pad")
        expect(RandomCrop(height: 5, width: 5), mentions: "random-crop: size")
        expect(RandomFlip(.vertical, probability: 1.5), mentions: "probability")
        expect(RandomRotate90(quarterTurns: []), mentions: "quarter turns")
        expect(RandomResizedCrop(height: 2, width: 2, scale: 0...1), mentions: "scale")
        expect(ChannelResizeLongestSide(longestSide: 0), mentions: "longest side")
    }

    func testInconsistentSamples() {
        var s = sample
        s.label = Tensor.zeros([4, 4])
        expect(Flip(.horizontal), s, mentions: "label map")
        var m = sample
        m.image.validMask = Tensor.ones([5, 4])
        expect(Resize(height: 2, width: 2), m, mentions: "valid mask")
        var c = sample
        c.image.channels.append(ChannelDescriptor(name: "extra", unit: "1", kind: .intensity))
        expect(Rotate90(quarterTurns: 1), c, mentions: "channel descriptors")
        var a = sample
        a.image.channels[0].kind = .angle(period: 0)
        expect(Resize(height: 2, width: 2), a, mentions: "period of angle channel I")
        var e = sample
        e.image.values = Tensor.zeros([1, 0, 5])
        expect(Resize(height: 2, width: 2), e, mentions: "height and width ≥ 1")
    }
}

final class SampleValidationTests: XCTestCase {
    func testValidatingInitialiser() {
        let image = ChannelImage(values: Tensor.zeros([1, 2, 3]), channels: [ChannelDescriptor(name: "I", unit: "1", kind: .intensity)])
        XCTAssertThrowsError(try TransformSample(validating: image, label: Tensor.zeros([3, 2]))) { e in
            XCTAssertEqual(e as? GeometryError, .shape(field: "sample: label map", expected: "[2, 3]", got: [3, 2]))
        }
        XCTAssertThrowsError(try TransformSample(validating: image, points: [SIMD2(1, 1), SIMD2(.nan, 0)])) { e in
            XCTAssert(e.localizedDescription.contains("prompt point 1"), e.localizedDescription)
        }
        XCTAssertNoThrow(try TransformSample(validating: image, label: Tensor.zeros([2, 3]), points: [SIMD2(0.5, 0.5)]))
    }
}
