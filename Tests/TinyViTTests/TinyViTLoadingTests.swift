import Foundation
import XCTest
import Autodiff
import TensorCore
import TensorFiles
import SimCMF

/// Loading a state dict: names, shapes, ignored counters, bias-index buffers, one error listing all problems.
final class TinyViTLoadingTests: XCTestCase {
    func weights() throws -> [String: Tensor] {
        let a = try TinyViTFixtures.archive("tiny_weights.safetensors")
        return Dictionary(uniqueKeysWithValues: a.tensors.map { ($0.name, $0.tensor) })
    }

    func freshTiny() throws -> TinyViT {
        var g = SeededGenerator(seed: 3)
        return try TinyViT(configuration: .testTiny, generator: &g)
    }

    /// PyTorch's state-dict keys (parameters + BatchNorm running statistics) are exactly ours.
    func testNamesAreTheStateDictKeys() throws {
        let model = try freshTiny()
        XCTAssertEqual(Set(model.parameters.map(\.name) + model.buffers.map(\.name)), Set(try weights().keys))
        XCTAssertTrue(model.buffers.allSatisfy { !$0.trainable })
        XCTAssertTrue(model.parameters.allSatisfy(\.trainable))
        XCTAssertEqual(model.parameters.count, Set(model.parameters.map(\.name)).count, "names are unique")
        let tiny = try XCTUnwrap(try TinyViTFixtures.reference()["tiny"] as? [String: Any])
        XCTAssertEqual(model.parameterCount, try XCTUnwrap(tiny["parameter_count"] as? Int))
        XCTAssertEqual(model.parameters.count, 137)
    }

    func testEveryProblemIsListedInOneErrorAndNothingIsLoaded() throws {
        var state = try weights()
        state["image_encoder.layers.1.blocks.0.attn.qkv.weight"] = nil
        state["image_encoder.layers.0.blocks.1.conv2.bn.running_var"] = nil
        state["image_encoder.layers.2.blocks.0.mlp.fc1.weight"] = Tensor.zeros([5, 24])
        state["image_encoder.layers.3.blocks.0.attn.attention_biases"] = Tensor.zeros([4, 255])
        state["image_encoder.layers.9.blocks.0.extra"] = Tensor.zeros([1])
        state["image_encoder.neck.4.weight"] = Tensor.zeros([1])
        // Ignored: counters, tensors outside the prefix; checked: a correct attention_bias_idxs.
        state["image_encoder.patch_embed.seq.0.bn.num_batches_tracked"] = Tensor(3)
        state["mask_decoder.iou_token.weight"] = Tensor.zeros([1, 256])
        let idx = TinyViTAttention.biasIndices(resolution: 7).indices.map(Float.init)
        state["image_encoder.layers.1.blocks.1.attn.attention_bias_idxs"] = Tensor(shape: [49, 49], values: idx)
        let model = try freshTiny()
        let before = model.parameters.map(\.value)
        XCTAssertThrowsError(try model.load(state: state)) { error in
            guard case let TinyViTError.checkpointMismatch(prefix, missing, unexpected, misshapen) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(prefix, "image_encoder")
            XCTAssertEqual(Set(missing), ["image_encoder.layers.1.blocks.0.attn.qkv.weight",
                                          "image_encoder.layers.0.blocks.1.conv2.bn.running_var"])
            XCTAssertEqual(unexpected, ["image_encoder.layers.9.blocks.0.extra", "image_encoder.neck.4.weight"])
            XCTAssertEqual(misshapen.count, 2)
            XCTAssertTrue(misshapen.contains { $0.hasPrefix("image_encoder.layers.2.blocks.0.mlp.fc1.weight [5, 24] (expected [96, 24])") },
                          "\(misshapen)")
            XCTAssertTrue(misshapen.contains { $0.hasPrefix("image_encoder.layers.3.blocks.0.attn.attention_biases [4, 255]") })
            let text = error.localizedDescription
            for name in missing + unexpected { XCTAssertTrue(text.contains(name), "\(name) in \(text)") }
            XCTAssertTrue(text.contains("2 missing") && text.contains("2 unexpected") && text.contains("2 misshapen"), text)
        }
        for (p, v) in zip(model.parameters, before) { XCTAssertEqual(p.value.scalars, v.scalars, "\(p.name) untouched") }
    }

    func testWrongAttentionBiasIndicesAreRejected() throws {
        var state = try weights()
        var idx = TinyViTAttention.biasIndices(resolution: 5).indices.map(Float.init)
        idx.swapAt(0, 1)
        state["image_encoder.layers.2.blocks.0.attn.attention_bias_idxs"] = Tensor(shape: [25, 25], values: idx)
        XCTAssertThrowsError(try freshTiny().load(state: state)) { error in
            guard case let TinyViTError.checkpointMismatch(_, missing, unexpected, misshapen) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(missing, []); XCTAssertEqual(unexpected, [])
            XCTAssertEqual(misshapen.count, 1)
            XCTAssertTrue(misshapen[0].contains("layers.2.blocks.0.attn.attention_bias_idxs"), misshapen[0])
        }
        state["image_encoder.layers.2.blocks.0.attn.attention_bias_idxs"] = Tensor(shape: [25, 25],
                                                                                   values: TinyViTAttention.biasIndices(resolution: 5).indices.map(Float.init))
        XCTAssertNoThrow(try freshTiny().load(state: state))
    }

    /// `attention_bias_idxs` as `itertools.product` numbers offsets, worked by hand for a 2×2 window.
    func testAttentionBiasIndices() {
        let (idx, count) = TinyViTAttention.biasIndices(resolution: 2)
        XCTAssertEqual(count, 4)
        // points (0,0) (0,1) (1,0) (1,1); offsets (0,0)→0 (0,1)→1 (1,0)→2 (1,1)→3
        XCTAssertEqual(idx, [0, 1, 2, 3,
                             1, 0, 3, 2,
                             2, 3, 0, 1,
                             3, 2, 1, 0])
        XCTAssertEqual(TinyViTAttention.biasIndices(resolution: 7).offsetCount, 49)
        XCTAssertEqual(TinyViTAttention.biasIndices(resolution: 14).offsetCount, 196)
    }

    func testArchitectureIsInferredFromShapes() throws {
        let a = try TinyViTFixtures.archive("tiny_weights.safetensors")
        let c = try TinyViT.inferConfiguration(from: a, imageSize: 64)
        XCTAssertEqual(c.embedDims, [8, 16, 24, 32])
        XCTAssertEqual(c.depths, [2, 2, 2, 1])
        XCTAssertEqual(Array(c.numHeads.dropFirst()), [2, 3, 4])
        XCTAssertEqual(Array(c.windowSizes.dropFirst()), [7, 5, 16])
        XCTAssertEqual(c.neckChannels, 16)
        XCTAssertEqual(c.stem, .pointwise)
        XCTAssertEqual(c.mlpRatio, 4); XCTAssertEqual(c.mbconvExpandRatio, 4); XCTAssertEqual(c.localConvSize, 3)
        // Strides are not in the shapes: tiny_vit_sam.py's rule gives 2 for a merge into 32 channels.
        XCTAssertEqual(c.mergeStrides, [2, 2, 2])

        let empty = TensorArchive(format: .safetensors)
        XCTAssertThrowsError(try TinyViT.inferConfiguration(from: empty)) { error in
            XCTAssertEqual(error as? TinyViTError,
                           .cannotInferArchitecture(prefix: "image_encoder", reason: "image_encoder.patch_embed.seq.0.c.weight is absent"))
        }
    }

    func testInvalidConfigurationListsEveryProblem() {
        var c = TinyViTConfiguration.testTiny
        c.numHeads = [1, 3, 3]
        c.windowSizes[2] = 0
        c.mergeStrides = [2, 3, 1]
        var g = SeededGenerator(seed: 0)
        XCTAssertThrowsError(try TinyViT(configuration: c, generator: &g)) { error in
            guard case let TinyViTError.invalidConfiguration(problems) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(problems.count, 4, "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("numHeads: 3 entries, expected 4") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("numHeads[1]: 3, expected a positive divisor of embedDims[1] = 16") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("windowSizes[2]: 0") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("mergeStrides: [2, 3, 1], expected 1 or 2") }, "\(problems)")
        }
    }

    func testInputShapeIsChecked() throws {
        let model = try freshTiny()
        XCTAssertThrowsError(try model.encode(Variable(Tensor.zeros([1, 1, 64, 64])))) { error in
            XCTAssertEqual(error as? TinyViTError, .invalidInput(shape: [1, 1, 64, 64], expected: "[B, 3, H, W]"))
        }
        // Any size works (windows are padded): 48×48 → 12×12 embedding.
        let y = try withoutGradients { try model.encode(Variable(Tensor.zeros([1, 3, 48, 48]))) }
        XCTAssertEqual(y.shape, [1, 16, 12, 12])
        XCTAssertEqual(TinyViTConfiguration.testTiny.embeddingSide(input: 48), 12)
    }
}
