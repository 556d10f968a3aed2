import Foundation
import TensorCore
import TensorFiles
import XCTest
@testable import SimCMF

/// Export of the trainable tensors under the reference's keys, and the typed errors on reload.
final class TrainableExportTests: XCTestCase {
    private func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("simcmf-export-\(UUID().uuidString).safetensors")
    }

    func testRoundTripOfLoRAAndProjectorUnderReferenceNames() throws {
        let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 4, strategy: LoRATuning(rank: 2), seed: 1)
        for p in model.trainableParameters { p.value = p.value + 0.25 }
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try model.exportTrainable(to: url)
        let archive = try Safetensors.read(url)
        XCTAssertEqual(Set(archive.names), Set(model.trainableParameters.map(\.name)))
        XCTAssert(archive.names.contains("image_encoder.blocks.0.attn.lora_q_a.weight"))
        XCTAssert(archive.names.contains("mask_decoder.transformer.layers.1.cross_attn_image_to_token.lora_v_b.weight"))
        XCTAssert(archive.names.contains("image_encoder.projector.moe.1.weight"))
        XCTAssertFalse(archive.names.contains { $0.hasPrefix("prompt_encoder.") || $0.hasSuffix("qkv.weight") })
        XCTAssertEqual(archive.metadata["simcmf.channels"], "4")

        let other = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 4, strategy: LoRATuning(rank: 2), seed: 2)
        try other.loadTrainable(from: url)
        let values = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value) })
        for p in other.parameters { XCTAssertEqual(p.value.scalars, values[p.name]?.scalars, p.name) }
    }

    func testAFileForNineChannelsIsRejectedByAFourChannelModelNamingTheField() throws {
        let nine = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 9, strategy: MLPAdapterTuning(hiddenDim: 4))
        let url = temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try nine.exportTrainable(to: url)
        let four = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 4, strategy: MLPAdapterTuning(hiddenDim: 4))
        XCTAssertThrowsError(try four.loadTrainable(from: url)) { e in
            XCTAssertEqual(e as? TrainableExportError, .channelMismatch(field: "image_encoder.projector", file: 9, model: 4))
            XCTAssert((e as? LocalizedError)?.errorDescription?.contains("C=9") == true)
        }
        // Same channels, other adapter width: the shapes are listed.
        let wide = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 9, strategy: MLPAdapterTuning(hiddenDim: 6))
        XCTAssertThrowsError(try wide.loadTrainable(from: url)) { e in
            guard case .tensors(_, let problems)? = e as? TrainableExportError else { return XCTFail("\(e)") }
            XCTAssert(problems.contains { $0.hasPrefix("image_encoder.blocks.0.Adapter_mlp.down_proj.weight: shape [4, 48]") }, "\(problems)")
        }
    }
}
