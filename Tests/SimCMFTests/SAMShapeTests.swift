import Foundation
import Autodiff
import TensorCore
import TestRequirements
import XCTest
@testable import SimCMF

/// docs/REFERENCE.md §10 shapes at SAM's full prompt/decoder size (the image encoder is not run at 1024),
/// and the prompt encoder/mask decoder as LiteMedSAM uses them (input 256, grid 64).
final class SAMShapeTests: XCTestCase {
    func testFullSizePromptEncoderAndDecoderShapes() throws {
        var g = SeededGenerator(seed: 1)
        let c = SAMConfiguration.vitB
        let prompt = PromptEncoder(embedDim: 256, imageEmbeddingSize: (64, 64), inputImageSize: (1024, 1024), generator: &g)
        let decoder = MaskDecoder(configuration: c, generator: &g)
        XCTAssertEqual(decoder.parameters.reduce(0) { $0 + $1.value.count }, 4_058_340)
        try withoutGradients {
            let (sparse, dense) = try prompt(.clicks([(500, 300)]))
            XCTAssertEqual(sparse.shape, [1, 2, 256], "one click + the padding point")
            XCTAssertEqual(dense.shape, [1, 256, 64, 64])
            XCTAssertEqual(prompt.densePositionalEncoding().shape, [1, 256, 64, 64])
            let embeddings = Variable(Tensor.normal([1, 256, 64, 64], using: &g))
            let (masks, iou) = try decoder(imageEmbeddings: embeddings, imagePE: Variable(prompt.densePositionalEncoding()),
                                           sparse: sparse, dense: dense, multimaskOutput: false)
            XCTAssertEqual(masks.shape, [1, 1, 256, 256])
            XCTAssertEqual(iou.shape, [1, 1])
            XCTAssert(masks.value.scalars.allSatisfy(\.isFinite))
        }
    }

    func testBadPromptsAreTypedErrors() throws {
        let model = try SAMModel(configuration: SAMFixtures.configuration)
        let badLabel = SAMPrompts(pointCoordinates: Tensor(shape: [1, 1, 2]), pointLabels: Tensor(shape: [1, 1], repeating: 2))
        XCTAssertThrowsError(try model.encodePrompts(badLabel)) { XCTAssertEqual($0 as? SAMError, .invalidValue(field: "pointLabels", expected: "values in {-1, 0, 1}")) }
        let badMask = SAMPrompts(masks: Tensor(shape: [1, 1, 16, 16]))
        XCTAssertThrowsError(try model.encodePrompts(badMask)) { error in
            XCTAssertEqual(error as? SAMError, .shapeMismatch(field: "masks", expected: "[1, 1, 32, 32]", got: [1, 1, 16, 16]))
        }
        XCTAssertThrowsError(try model.encodeImage(Variable(Tensor(shape: [1, 3, 60, 64])))) { error in
            XCTAssert(error.localizedDescription.contains("image"), error.localizedDescription)
        }
        let emb = Variable(Tensor(shape: [3, 32, 8, 8]))
        XCTAssertThrowsError(try model.decodeMasks(imageEmbeddings: emb, prompts: .clicks([(1, 1), (2, 2)]), multimaskOutput: false)) { error in
            XCTAssertEqual(error as? SAMError, .shapeMismatch(field: "image embeddings", expected: "[2 or 1, 32, h, w]", got: [3, 32, 8, 8]))
        }
        XCTAssertThrowsError(try SAMModel(configuration: SAMConfiguration(encoderEmbedDim: 50, encoderDepth: 1, encoderHeads: 3,
                                                                          globalAttentionIndexes: [])))
    }

    /// LiteMedSAM's prompt encoder and mask decoder are SAM's (input 256, grid 64): every one of its
    /// non-encoder tensors loads into these modules by name and shape.
    func testLiteMedSAMPromptEncoderAndMaskDecoderLoad() throws {
        let url = try Provided.liteMedSAMCheckpoint()
        let state = try SAMCheckpoint.stateDict(contentsOf: url)
        var g = SeededGenerator(seed: 0)
        let prompt = PromptEncoder(embedDim: 256, imageEmbeddingSize: (64, 64), inputImageSize: (256, 256), generator: &g)
        let decoder = MaskDecoder(configuration: .vitB, generator: &g)
        try state.assign(to: prompt.buffers + prompt.parameters + decoder.parameters, scopes: ["prompt_encoder.", "mask_decoder."])
        XCTAssertEqual(prompt.buffers[0].value.scalars, state["prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"]?.scalars)
        let (sparse, dense) = try withoutGradients { try prompt(.clicks([(128, 64)])) }
        let (masks, _) = try withoutGradients {
            try decoder(imageEmbeddings: Variable(Tensor(shape: [1, 256, 64, 64])), imagePE: Variable(prompt.densePositionalEncoding()),
                        sparse: sparse, dense: dense, multimaskOutput: true)
        }
        XCTAssertEqual(masks.shape, [1, 3, 256, 256])
    }
}
