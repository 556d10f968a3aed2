import Foundation
import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// The tiny SAM (loaded from the real torch .pth) against the official segment-anything outputs.
final class SAMForwardParityTests: XCTestCase {
    func testImageEncoderMatchesOfficial() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let emb = try withoutGradients { try model.encodeImage(Variable(ref.require("image"))) }
        XCTAssertEqual(emb.shape, [2, 32, 8, 8])
        assertClose(emb.value, try ref.require("image_embeddings"), "image embeddings")
    }

    func testPromptEncoderMatchesOfficial() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let pe = model.promptEncoder
        assertClose(pe.densePositionalEncoding(), try ref.require("dense_pe"), "dense PE")
        // points (+ padding point), points + box + mask, boxes only
        let p0 = SAMPrompts(pointCoordinates: try ref.require("points0"), pointLabels: try ref.require("labels0"))
        let p1 = SAMPrompts(pointCoordinates: try ref.require("points1"), pointLabels: try ref.require("labels1"),
                            boxes: try ref.require("box1"), masks: try ref.require("mask1"))
        let p2 = SAMPrompts(boxes: try ref.require("boxes2"))
        for (i, p) in [p0, p1, p2].enumerated() {
            let (sparse, dense) = try withoutGradients { try pe(p) }
            assertClose(sparse.value, try ref.require("sparse\(i)"), "sparse \(i)")
            assertClose(dense.value, try ref.require("dense\(i)"), "dense \(i)")
        }
        XCTAssertEqual(try pe(p0).sparse.shape, [1, 3, 32], "two clicks and the padding point")
        XCTAssertEqual(try pe(p1).sparse.shape, [1, 4, 32], "two clicks and two box corners, no padding")
    }

    func testMaskDecoderMatchesOfficial() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let emb = Variable(try ref.require("image_embeddings"))
        // Batch of two images with one prompt set each (points+pad / points+box+mask): stacked prompts.
        let p0 = SAMPrompts(pointCoordinates: try ref.require("points0"), pointLabels: try ref.require("labels0"))
        let p1 = SAMPrompts(pointCoordinates: try ref.require("points1"), pointLabels: try ref.require("labels1"),
                            boxes: try ref.require("box1"), masks: try ref.require("mask1"))
        for multi in [false, true] {
            let tag = multi ? "multi" : "single"
            let (l0, i0) = try withoutGradients {
                try model.decodeMasks(imageEmbeddings: emb.slice(axis: 0, 0..<1), prompts: p0, multimaskOutput: multi)
            }
            let (l1, i1) = try withoutGradients {
                try model.decodeMasks(imageEmbeddings: emb.slice(axis: 0, 1..<2), prompts: p1, multimaskOutput: multi)
            }
            assertClose(Tensor.concat([l0.value, l1.value], axis: 0), try ref.require("logits_\(tag)"), "logits \(tag)")
            assertClose(Tensor.concat([i0.value, i1.value], axis: 0), try ref.require("iou_\(tag)"), "iou \(tag)")
            XCTAssertEqual(l0.shape, [1, multi ? 3 : 1, 32, 32])
            // One image, two box prompts: the image embedding is shared by both (repeat_interleave).
            let (l2, i2) = try withoutGradients {
                try model.decodeMasks(imageEmbeddings: emb.slice(axis: 0, 0..<1), prompts: SAMPrompts(boxes: try ref.require("boxes2")),
                                      multimaskOutput: multi)
            }
            assertClose(l2.value, try ref.require("logits2_\(tag)"), "logits2 \(tag)")
            assertClose(i2.value, try ref.require("iou2_\(tag)"), "iou2 \(tag)")
        }
    }

    func testBatchedImagesAndPromptsMatchPerImageCalls() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let image = Variable(try ref.require("image"))
        // Two images, one click each, in one batched call vs the official per-image outputs' structure.
        let prompts = SAMPrompts.clicks([(10, 20), (40, 12)])
        let (both, _) = try withoutGradients { try model(image, prompts: prompts) }
        for i in 0..<2 {
            let one = SAMPrompts.clicks([i == 0 ? (10, 20) : (40, 12)])
            let (single, _) = try withoutGradients { try model(image.slice(axis: 0, i..<(i + 1)), prompts: one) }
            assertClose(both.value.slice(axis: 0, i..<(i + 1)), single.value, tol: 1e-5, "batched item \(i)")
        }
    }

    /// Non-square input 64×96 on a model built for 64×64: pos_embed resized bicubically (the truth is
    /// `F.interpolate(..., mode="bicubic", align_corners=False)`) and the global block's rel-pos
    /// table interpolated by the official `get_rel_pos`.
    func testOtherInputSizeMatchesInterpolatedReference() throws {
        let model = try SAMFixtures.model()
        let ref = try SAMFixtures.archive("reference.safetensors")
        let pos = PositionTables.absolutePositionEmbedding(model.imageEncoder.posEmbed.variable, grid: (8, 12))
        assertClose(pos.value, try ref.require("wide_pos_embed"), "bicubic pos_embed")
        let table = PositionTables.relativePositionTable(model.imageEncoder.blocks[1].attn.relPosW.variable, size: 12)
        XCTAssertEqual(table.shape, [23, 16])
        assertClose(table.value, try ref.require("wide_rel_pos_w_table"), "linearly interpolated rel_pos_w")
        let emb = try withoutGradients { try model.encodeImage(Variable(ref.require("wide_image"))) }
        XCTAssertEqual(emb.shape, [1, 32, 8, 12])
        assertClose(emb.value, try ref.require("wide_embeddings"), "64x96 image embeddings")
        // The prompt encoder and decoder for that geometry: coordinates normalised by 64x96, an 8x12 dense PE.
        let prompts = SAMPrompts(pointCoordinates: try ref.require("points0"), pointLabels: try ref.require("labels0"))
        let (sparse, _) = try model.promptEncoder(prompts, inputImageSize: (64, 96), grid: (8, 12))
        assertClose(sparse.value, try ref.require("wide_sparse"), "sparse embeddings for a 64x96 input")
        let (logits, iou) = try withoutGradients {
            try model.decodeMasks(imageEmbeddings: Variable(ref.require("wide_embeddings")), prompts: prompts, multimaskOutput: true)
        }
        XCTAssertEqual(logits.shape, [1, 3, 32, 48])
        assertClose(logits.value, try ref.require("wide_logits"), "64x96 logits")
        assertClose(iou.value, try ref.require("wide_iou"), "64x96 iou")
    }
}
