import Autodiff
import Foundation
import SimCMF
import TensorCore
import XCTest

/// `SAMCheckpoint.load(_:imageSize:)`: a SAM rebuilt for another input side.
final class SAMImageSizeTests: XCTestCase {
    func testResizedModelMatchesRunTimeInterpolationOfTheOriginal() throws {
        let state = try SAMCheckpoint.stateDict(contentsOf: SAMFixtures.pth)
        let original = try SAMCheckpoint.load(state, decoderHeads: 4)
        let resized = try SAMCheckpoint.load(state, imageSize: 32, decoderHeads: 4)
        XCTAssertEqual(resized.configuration.imageSize, 32)
        XCTAssertEqual(resized.configuration.lowResMaskSize, 16)
        XCTAssertEqual(resized.imageEncoder.parameters.first { $0.name == "image_encoder.pos_embed" }?.value.shape, [1, 4, 4, 48])
        // The original encoder resizes its tables at run time for a 32×32 input with the same rules,
        // so both give the same embeddings.
        var g = SeededGenerator(seed: 4)
        let image = Tensor.normal([1, 3, 32, 32], using: &g)
        let a = try withoutGradients { try original.encodeImage(Variable(image)).value }
        let b = try withoutGradients { try resized.encodeImage(Variable(image)).value }
        XCTAssertEqual(a.shape, [1, 32, 4, 4])
        XCTAssertEqual(a.shape, b.shape)
        for (x, y) in zip(a.scalars, b.scalars) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        // The checkpoint's own size loads the model unchanged; a size off the patch grid is an error.
        XCTAssertEqual(try SAMCheckpoint.load(state, imageSize: 64, decoderHeads: 4).configuration, original.configuration)
        XCTAssertThrowsError(try SAMCheckpoint.load(state, imageSize: 30, decoderHeads: 4))
    }
}
