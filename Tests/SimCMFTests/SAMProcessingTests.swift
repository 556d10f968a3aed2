import Foundation
import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// Pre/post-processing against segment-anything's `ResizeLongestSide` (`SAMResizeLongestSide`), `Sam.preprocess`,
/// `Sam.postprocess_masks` and `F.interpolate` (fixtures/sam/processing.safetensors).
final class SAMProcessingTests: XCTestCase {
    let transform = SAMResizeLongestSide(targetLength: 64)

    func testPreprocessShape() {
        XCTAssert(SAMResizeLongestSide.preprocessShape(height: 77, width: 101, longSide: 64) == (49, 64))
        XCTAssert(SAMResizeLongestSide.preprocessShape(height: 20, width: 30, longSide: 64) == (43, 64))
        XCTAssert(SAMResizeLongestSide.preprocessShape(height: 480, width: 640, longSide: 1024) == (768, 1024))
    }

    func testAntialiasedResizeMatchesTorch() throws {
        let ref = try SAMFixtures.archive("processing.safetensors")
        for tag in ["down", "up"] {
            let resized = try transform.apply(image: try ref.require("\(tag)_image"))
            assertClose(resized, try ref.require("\(tag)_resized"), "\(tag)-scaled image")
        }
    }

    func testCoordinateAndBoxTransformsMatchOfficial() throws {
        let ref = try SAMFixtures.archive("processing.safetensors")
        assertClose(try transform.apply(coordinates: try ref.require("coords"), originalSize: (77, 101)),
                    try ref.require("coords_resized"), tol: 1e-6, "coordinates")
        assertClose(try transform.apply(boxes: try ref.require("boxes"), originalSize: (77, 101)),
                    try ref.require("boxes_resized"), tol: 1e-6, "boxes")
        XCTAssertThrowsError(try transform.apply(boxes: Tensor(shape: [1, 3]), originalSize: (10, 10)))
    }

    func testNormalizeAndPadMatchesSamPreprocess() throws {
        let ref = try SAMFixtures.archive("processing.safetensors")
        let out = try SAMImageProcessing.normalizeAndPad(try ref.require("down_resized"), size: 64)
        assertClose(out, try ref.require("preprocessed"), "normalised and padded")
        XCTAssertThrowsError(try SAMImageProcessing.normalizeAndPad(Tensor(shape: [1, 3, 65, 10]), size: 64)) { error in
            XCTAssert(error.localizedDescription.contains("image"), error.localizedDescription)
        }
    }

    func testStretchToSquareMatchesInterpolate() throws {
        let ref = try SAMFixtures.archive("processing.safetensors")
        assertClose(try SAMImageProcessing.stretchToSquare(try ref.require("down_image"), size: 64), try ref.require("stretched"), "stretched")
    }

    func testPostprocessMasksMatchesOfficial() throws {
        let ref = try SAMFixtures.archive("processing.safetensors")
        let out = try SAMImageProcessing.postprocessMasks(Variable(try ref.require("low_res")), inputSize: (49, 64),
                                                          originalSize: (77, 101), paddedSize: 64)
        assertClose(out.value, try ref.require("postprocessed"), "postprocessed masks")
    }
}

/// `SAMPredictor` against the official `SamPredictor` (`set_torch_image` + `predict_torch`).
final class SAMPredictorTests: XCTestCase {
    func testPredictorMatchesOfficialPredictor() throws {
        let ref = try SAMFixtures.archive("processing.safetensors")
        let predictor = SAMPredictor(model: try SAMFixtures.model())
        XCTAssertThrowsError(try predictor.predict(points: [(1, 1)], labels: [1]))
        try predictor.setImage(try ref.require("down_image").reshaped([3, 77, 101]))
        let clicks = try ref.require("predictor_clicks").scalars
        let result = try predictor.predict(points: [(clicks[0], clicks[1]), (clicks[2], clicks[3])], labels: [1, 0])
        assertClose(result.lowResLogits, try ref.require("predictor_low_res").reshaped([3, 32, 32]), "low-res logits")
        assertClose(result.iou, try ref.require("predictor_iou").reshaped([3]), "iou")
        assertClose(result.logits, try ref.require("predictor_masks").reshaped([3, 77, 101]), "logits at the original size")
        XCTAssertEqual(result.masks.shape, [3, 77, 101])
        // A second prompt on the same embeddings, single-mask, with the previous low-res logits as mask input.
        let again = try predictor.predict(points: [(5, 5)], labels: [1], maskInput: result.lowResLogits.slice(axis: 0, 0..<1),
                                          multimaskOutput: false)
        XCTAssertEqual(again.logits.shape, [1, 77, 101])
        XCTAssertThrowsError(try predictor.predict(points: [(1, 1)], labels: []))
    }
}
