import Foundation
import Autodiff
import TensorCore
import TensorFiles
import XCTest
@testable import SimCMF

final class SAMCheckpointTests: XCTestCase {
    func testArchitectureIsInferredFromShapes() throws {
        let official = try SAMCheckpoint.stateDict(contentsOf: SAMFixtures.pth)
        XCTAssertEqual(official.naming, .official)
        XCTAssertEqual(try SAMCheckpoint.inferConfiguration(official, decoderHeads: 4), SAMFixtures.configuration)
        let hf = try SAMCheckpoint.stateDict(contentsOf: SAMFixtures.huggingFace)
        XCTAssertEqual(hf.naming, .huggingFace)
        XCTAssertEqual(try SAMCheckpoint.inferConfiguration(hf, decoderHeads: 4), SAMFixtures.configuration)
    }

    func testHuggingFaceAndOfficialCheckpointsGiveIdenticalOutputs() throws {
        let a = try SAMCheckpoint.load(contentsOf: SAMFixtures.pth, decoderHeads: 4)
        let b = try SAMCheckpoint.load(contentsOf: SAMFixtures.huggingFace, decoderHeads: 4)
        for (p, q) in zip(a.stateTensors, b.stateTensors) {
            XCTAssertEqual(p.name, q.name)
            XCTAssertEqual(p.value.scalars, q.value.scalars, p.name)
        }
        let image = try SAMFixtures.archive("reference.safetensors").require("image")
        let prompts = SAMPrompts.clicks([(10, 20), (33, 5)])
        let (ma, ia) = try withoutGradients { try a(Variable(image), prompts: prompts, multimaskOutput: true) }
        let (mb, ib) = try withoutGradients { try b(Variable(image), prompts: prompts, multimaskOutput: true) }
        XCTAssertEqual(ma.value.scalars, mb.value.scalars)
        XCTAssertEqual(ia.value.scalars, ib.value.scalars)
    }

    /// The HF file carries the Gaussian matrix only as `shared_image_embedding.positional_embedding`;
    /// the `prompt_encoder.shared_embedding.positional_embedding` name is accepted too.
    func testEitherNameOfTheTiedGaussianMatrixIsAccepted() throws {
        var hf = try SAMCheckpoint.stateDict(contentsOf: SAMFixtures.huggingFace)
        let g = try XCTUnwrap(hf.tensors.removeValue(forKey: SAMKeyMap.hfTiedGaussianMatrixKey))
        hf.tensors["prompt_encoder.shared_embedding.positional_embedding"] = g
        let model = try SAMCheckpoint.load(hf, decoderHeads: 4)
        XCTAssertEqual(model.buffers[0].value.scalars, g.scalars)
        hf.tensors.removeValue(forKey: "prompt_encoder.shared_embedding.positional_embedding")
        XCTAssertThrowsError(try model.load(hf)) { error in
            XCTAssertEqual((error as? SAMCheckpointError)?.problems, ["missing " + SAMKeyMap.gaussianMatrixKey])
        }
    }

    func testEveryProblemIsListedInOneError() throws {
        var state = try SAMCheckpoint.stateDict(contentsOf: SAMFixtures.pth)
        state.tensors.removeValue(forKey: "image_encoder.blocks.0.attn.qkv.weight")
        state.tensors.removeValue(forKey: "mask_decoder.iou_token.weight")
        state.tensors["image_encoder.blocks.9.norm1.weight"] = Tensor(shape: [48])
        state.tensors["mask_decoder.mask_tokens.weight"] = Tensor(shape: [5, 32])
        let model = try SAMModel(configuration: SAMFixtures.configuration)
        let before = model.imageEncoder.posEmbed.value.scalars
        XCTAssertThrowsError(try model.load(state)) { error in
            guard let e = error as? SAMCheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.problems, [
                "missing image_encoder.blocks.0.attn.qkv.weight",
                "missing mask_decoder.iou_token.weight",
                "unexpected image_encoder.blocks.9.norm1.weight",
                "misshapen mask_decoder.mask_tokens.weight: [5, 32], expected [4, 32]",
            ])
            let text = e.localizedDescription
            XCTAssert(text.contains("sam_tiny.pth") && text.contains("2 missing") && text.contains("1 unexpected"), text)
        }
        XCTAssertEqual(model.imageEncoder.posEmbed.value.scalars, before, "a failed load changes nothing")
    }

    func testUninferableArchitectureIsATypedError() throws {
        var state = try SAMCheckpoint.stateDict(contentsOf: SAMFixtures.pth)
        state.tensors.removeValue(forKey: "image_encoder.pos_embed")
        XCTAssertThrowsError(try SAMCheckpoint.load(state)) { error in
            guard case let .cannotInferArchitecture(_, field, _)? = error as? SAMCheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "image_encoder.pos_embed")
        }
    }

    func testHuggingFaceKeyMap() {
        let cases = [
            "image_encoder.blocks.3.norm1.weight": "vision_encoder.layers.3.layer_norm1.weight",
            "image_encoder.blocks.3.attn.qkv.weight": "vision_encoder.layers.3.attn.qkv.weight",
            "image_encoder.patch_embed.proj.bias": "vision_encoder.patch_embed.projection.bias",
            "image_encoder.neck.2.weight": "vision_encoder.neck.conv2.weight",
            "mask_decoder.transformer.norm_final_attn.bias": "mask_decoder.transformer.layer_norm_final_attn.bias",
            "mask_decoder.transformer.layers.0.norm2.weight": "mask_decoder.transformer.layers.0.layer_norm2.weight",
            "mask_decoder.iou_prediction_head.layers.1.weight": "mask_decoder.iou_prediction_head.layers.0.weight",
            "mask_decoder.iou_prediction_head.layers.2.bias": "mask_decoder.iou_prediction_head.proj_out.bias",
            "mask_decoder.output_hypernetworks_mlps.2.layers.0.weight": "mask_decoder.output_hypernetworks_mlps.2.proj_in.weight",
            "mask_decoder.output_hypernetworks_mlps.3.layers.1.bias": "mask_decoder.output_hypernetworks_mlps.3.layers.0.bias",
            "mask_decoder.output_upscaling.1.weight": "mask_decoder.upscale_layer_norm.weight",
            "prompt_encoder.mask_downscaling.4.bias": "prompt_encoder.mask_embed.layer_norm2.bias",
            "prompt_encoder.point_embeddings.2.weight": "prompt_encoder.point_embed.2.weight",
            SAMKeyMap.gaussianMatrixKey: "prompt_encoder.shared_embedding.positional_embedding",
        ]
        for (official, hf) in cases { XCTAssertEqual(SAMKeyMap.huggingFaceName(official), hf, official) }
    }

    /// docs/REFERENCE.md §1.7: vit_b has 93,735,472 parameters and 314 state-dict tensors (built, not run).
    func testViTBParameterCountAndKeys() throws {
        let model = try SAMModel(configuration: .vitB)
        XCTAssertEqual(model.parameterCount, 93_735_472)
        XCTAssertEqual(model.stateTensors.count, 314)
        XCTAssertEqual(model.imageEncoder.parameters.reduce(0) { $0 + $1.value.count }, 89_670_912)
        XCTAssertEqual(model.promptEncoder.parameters.reduce(0) { $0 + $1.value.count } + 256, 6_476)
        XCTAssertEqual(model.maskDecoder.parameters.reduce(0) { $0 + $1.value.count }, 4_058_340)
        let shapes = Dictionary(uniqueKeysWithValues: model.stateTensors.map { ($0.name, $0.value.shape) })
        XCTAssertEqual(shapes["image_encoder.pos_embed"], [1, 64, 64, 768])
        XCTAssertEqual(shapes["image_encoder.blocks.2.attn.rel_pos_h"], [127, 64])
        XCTAssertEqual(shapes["image_encoder.blocks.3.attn.rel_pos_w"], [27, 64])
        XCTAssertEqual(shapes["image_encoder.neck.0.weight"], [256, 768, 1, 1])
        XCTAssertEqual(shapes["prompt_encoder.mask_downscaling.6.weight"], [256, 16, 1, 1])
        XCTAssertEqual(shapes["mask_decoder.transformer.layers.1.cross_attn_image_to_token.out_proj.weight"], [256, 128])
        XCTAssertEqual(shapes["mask_decoder.output_upscaling.0.weight"], [256, 64, 2, 2])
        XCTAssertEqual(shapes["mask_decoder.iou_prediction_head.layers.2.weight"], [4, 256])
        XCTAssertEqual(model.stateTensors.first?.name, "image_encoder.pos_embed")
        XCTAssertEqual(model.stateTensors.last?.name, "mask_decoder.iou_prediction_head.layers.2.bias")
        XCTAssertEqual(Set(shapes.keys).count, 314, "no duplicate names")
    }

    func testSavedSafetensorsRoundTripInBothNamings() throws {
        let model = try SAMFixtures.model()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sam-roundtrip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for naming in [SAMStateDict.Naming.official, .huggingFace] {
            let url = dir.appendingPathComponent("\(naming.rawValue).safetensors")
            try model.saveSafetensors(to: url, naming: naming)
            let state = try SAMCheckpoint.stateDict(contentsOf: url)
            XCTAssertEqual(state.naming, naming)
            let loaded = try SAMCheckpoint.load(state, decoderHeads: 4)
            for (a, b) in zip(model.stateTensors, loaded.stateTensors) { XCTAssertEqual(a.value.scalars, b.value.scalars, a.name) }
        }
    }

    /// The tiny model's state-dict order equals torch's.
    func testStateDictOrderMatchesTorch() throws {
        let archive = try TensorFiles.read(SAMFixtures.pth)
        let model = try SAMModel(configuration: SAMFixtures.configuration)
        XCTAssertEqual(model.stateTensors.map(\.name), archive.names)
    }
}
