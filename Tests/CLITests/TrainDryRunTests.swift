import Foundation
import SimCMF
import TensorCore
import TensorFiles
import TensorKernels
import XCTest

/// `aims train --dry-run`: the trainable values per group of the model a run would build, against counts
/// derived by hand (docs/REFERENCE.md §4 and §10), without data, weights or a run folder.
final class TrainDryRunTests: XCTestCase {
    private func dryRun(_ extra: [String]) throws -> [String: Any] {
        let r = try AimsProcess.run(["train", "--dry-run", "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    private func group(_ report: [String: Any], _ name: String) -> (trainable: Int, total: Int) {
        let g = (report["groups"] as? [String: [String: Int]])?[name]
        return (g?["trainable"] ?? -1, g?["total"] ?? -1)
    }

    /// SimCMF + LoRA on ViT-B with C = 9, the reference's configuration: projector `72C² + 197393C + 3` =
    /// 1,782,372; LoRA rank 100 on q and v of 12 encoder blocks (12 · 2 · (100·768 + 768·100) = 3,686,400), 2 decoder
    /// self-attentions (2 · 2 · (100·256 + 256·100) = 204,800) and 5 cross-attentions at internal width 128
    /// (5 · 2 · (100·256 + 128·100) = 384,000): 4,275,200; 6,057,572 in all, of a SAM of 93,735,472 values.
    func testViTBLoRAWithNineChannelsFromScratch() throws {
        let r = try dryRun(["--init", "scratch", "--model", "vit_b", "--channels", "9", "--strategy", "lora"])
        XCTAssertEqual(r["trainableParameters"] as? Int, 6_057_572)
        XCTAssertEqual(r["parameters"] as? Int, 93_735_472 + 4_275_200 + 1_782_372)
        XCTAssertEqual(group(r, "alignment").trainable, 1_782_372)
        XCTAssertEqual(group(r, "peft").trainable, 4_275_200)
        XCTAssertEqual(group(r, "encoder").trainable, 0)
        XCTAssertEqual(group(r, "decoder").trainable, 0)
        XCTAssertEqual(group(r, "prompt_encoder").trainable, 0)
        XCTAssertEqual(r["inputSize"] as? Int, 1024)
        XCTAssertEqual(r["strategy"] as? String, "lora")
    }

    /// LiteMedSAM with 3 channels (no alignment) and LoRA: rank 16 on q and v of TinyViT's attentions
    /// (4 · 16 · (2·128 + 6·160 + 2·320) = 118,784) and the decoder's 588,800: 707,584; nothing else trains.
    func testLiteMedSAMLoRAFromScratch() throws {
        let r = try dryRun(["--init", "scratch", "--model", "lite_medsam", "--channels", "3", "--strategy", "lora"])
        XCTAssertEqual(r["trainableParameters"] as? Int, 707_584)
        XCTAssertEqual(group(r, "peft").trainable, 707_584)
        XCTAssertEqual(group(r, "alignment").total, 0, "3 channels: no mixer")
        XCTAssertEqual(r["inputSize"] as? Int, 256)
    }

    /// MobileSAM (MobileSAM's TinyViT-5M with its 3×3 stride-2 stem at 1024, SAM's prompt encoder and mask decoder):
    /// PyTorch's `build_sam_vit_t` has 10,130,092 parameters, 321,640 of them TinyViT's unused classification head
    /// (docs/REFERENCE.md §1.9), leaving encoder 5,743,892 + prompt encoder 6,220 + mask decoder 4,058,340 = 9,808,452.
    /// Full fine-tuning trains all but the prompt encoder; LoRA adds LiteMedSAM's 707,584 (the same widths). Other
    /// input sides are a usage error naming the allowed ones.
    func testMobileSAMFromScratch() throws {
        let full = try dryRun(["--init", "scratch", "--model", "mobile_sam", "--channels", "3", "--strategy", "full"])
        XCTAssertEqual(full["parameters"] as? Int, 9_808_452)
        XCTAssertEqual(full["trainableParameters"] as? Int, 5_743_892 + 4_058_340)
        XCTAssertEqual(group(full, "encoder").total, 5_743_892)
        XCTAssertEqual(group(full, "prompt_encoder").total, 6_220)
        XCTAssertEqual(full["inputSize"] as? Int, 1024)
        let lora = try dryRun(["--init", "scratch", "--model", "mobile_sam", "--channels", "3", "--strategy", "lora"])
        XCTAssertEqual(lora["trainableParameters"] as? Int, 707_584)
        let wrongSize = try AimsProcess.run(["train", "--dry-run", "--init", "scratch", "--model", "mobile_sam", "--channels", "3",
                                             "--image-size", "256"])
        XCTAssertEqual(wrongSize.status, 64, wrongSize.stderr)
        XCTAssertTrue(wrongSize.stderr.contains("256 for LiteMedSAM, 1024 for MobileSAM"), wrongSize.stderr)
    }

    /// A MobileSAM-shaped checkpoint (random weights, with TinyViT's classification head as `mobile_sam.pt` has it) is
    /// recognised by its 3×3 stem and built at 1024 with the pixel channel mixer in front; `--image-size` may only repeat 1024.
    func testMobileSAMCheckpointIsBuiltAt1024() throws {
        let source = try TinyViTSAM(randomSeed: 5, configuration: .mobileSAM)
        var tensors = (source.parameters + source.imageEncoder.buffers + source.promptEncoder.buffers)
            .map { NamedTensor(name: $0.name, storedDType: .float32, tensor: $0.value) }
        for (name, shape) in [("norm_head.weight", [320]), ("norm_head.bias", [320]), ("head.weight", [1000, 320]), ("head.bias", [1000])] {
            tensors.append(NamedTensor(name: "image_encoder." + name, storedDType: .float32, tensor: Tensor.zeros(shape)))
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aims-mobile-sam-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try Safetensors.write(tensors, to: file)
        let r = try dryRun(["--weights", file.path, "--channels", "4", "--strategy", "decoder"])
        XCTAssertTrue((r["model"] as? String)?.hasPrefix("MobileSAM + pixel channel mixer (4 → 3, simcmf, decoder)") == true, "\(r)")
        XCTAssertEqual(r["inputSize"] as? Int, 1024)
        XCTAssertEqual(group(r, "encoder").total, 5_743_892)
        XCTAssertEqual(group(r, "decoder").trainable, 4_058_340)
        let wrongSize = try AimsProcess.run(["train", "--dry-run", "--weights", file.path, "--channels", "4", "--image-size", "256"])
        XCTAssertEqual(wrongSize.status, 64, wrongSize.stderr)
        XCTAssertTrue(wrongSize.stderr.contains("mobile_sam at input size 256"), wrongSize.stderr)
    }

    /// The tiny SAM checkpoint of fixtures/sam (encoder width 48, 3 blocks; decoder width 32, cross-attention
    /// width 16) with the reference's LoRA rank 100: encoder 3 · 2 · (100·48 + 48·100) = 57,600; decoder
    /// self-attentions 2 · 2 · (100·32 + 32·100) = 25,600, cross-attentions 5 · 2 · (100·32 + 16·100) = 48,000.
    func testWeightsFileAndTextReport() throws {
        let tiny = AimsProcess.tinySAM
        let r = try dryRun(["--weights", tiny, "--channels", "4", "--strategy", "lora"])
        XCTAssertEqual(group(r, "peft").trainable, 57_600 + 25_600 + 48_000)
        XCTAssertEqual(r["trainableParameters"] as? Int, group(r, "peft").trainable + group(r, "alignment").trainable)
        let text = try AimsProcess.run(["train", "--dry-run", "--weights", tiny, "--channels", "4", "--strategy", "lora"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("\(131_200)"), text.stdout)
    }

    func testUsageErrors() throws {
        let noChannels = try AimsProcess.run(["train", "--dry-run", "--init", "scratch", "--model", "vit_b"])
        XCTAssertEqual(noChannels.status, 64)
        XCTAssertTrue(noChannels.stderr.contains("--channels C"), noChannels.stderr)
        let noScratch = try AimsProcess.run(["train", "--dry-run", "--model", "vit_b", "--channels", "3"])
        XCTAssertEqual(noScratch.status, 64)
        XCTAssertTrue(noScratch.stderr.contains("--init scratch"), noScratch.stderr)
        let notDry = try AimsProcess.run(["train", "--model", "vit_b", "--channels", "3", "--out", "/tmp/x"])
        XCTAssertEqual(notDry.status, 64)
        XCTAssertTrue(notDry.stderr.contains("--model needs --dry-run"), notDry.stderr)
        let noOut = try AimsProcess.run(["train", "--modality", "rgb", "--data", "/tmp"])
        XCTAssertEqual(noOut.status, 64)
        XCTAssertTrue(noOut.stderr.contains("--out is required"), noOut.stderr)
        let refused = try AimsProcess.run(["train", "--dry-run", "--init", "scratch", "--model", "lite_medsam", "--channels", "3",
                                           "--strategy", "prompt"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("prompt"), refused.stderr)
    }
}
