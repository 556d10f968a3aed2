import Foundation
import Tensor
import XCTest
@testable import SimCMF

/// LiteMedSAM (real weights) through the `SegmentationModel` seam and the evaluator, on the real CT
/// slice of fixtures/tinyvit with its box: the ground truth is PyTorch's mask for that box, so the
/// evaluator must score IoU ≥ 0.999 (the end-to-end parity of TinyViTTests, via the protocol).
final class LiteMedSAMEvaluationTests: XCTestCase {
    func testEvaluatorScoresLiteMedSAMAgainstPyTorchsMask() throws {
        let env = ProcessInfo.processInfo.environment
        let cache = env["AIMS_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/aims")
        let weights = cache.appendingPathComponent("lite_medsam.pth")
        guard FileManager.default.fileExists(atPath: weights.path) else {
            if env["AIMS_REQUIRE_WEIGHTS"] == "1" { XCTFail("\(weights.path) is absent (AIMS_REQUIRE_WEIGHTS=1)"); return }
            throw XCTSkip("\(weights.path) is absent; run scripts/fetch-weights")
        }
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/tinyvit")
        let e2e = try TensorFiles.read(dir.appendingPathComponent("litemedsam_e2e.safetensors"))
        let encoder = try TensorFiles.read(dir.appendingPathComponent("litemedsam_encoder.safetensors"))
        let input = try XCTUnwrap(encoder["input"]), box = try XCTUnwrap(e2e["box"]).scalars, mask = try XCTUnwrap(e2e["mask"])

        let model: any SegmentationModel = try LiteMedSAM(contentsOf: weights)
        XCTAssertEqual([model.inputChannels, model.inputSize, model.maskSize], [3, 256, 256])
        let label = LabelMap(height: 256, width: 256, ids: mask.scalars.map { $0 > 0 ? 1 : 0 })
        let prompt = RegionPrompt(region: 1, click: ClickSampling.middleClick(of: 1, in: label)!,
                                  box: Box(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))
        let example = TrainingExample(id: "ct", image: input.reshaped([3, 256, 256]), label: label, prompts: [prompt])
        let (result, regions) = try Evaluator(options: EvaluationOptions(promptKind: .box)).evaluate(model, on: InMemoryExampleSource([example]))
        XCTAssertEqual(regions.count, 1)
        XCTAssertEqual(regions[0].pixelCount, 3618)
        XCTAssertGreaterThanOrEqual(result.mIoU, 0.999)
        XCTAssertGreaterThanOrEqual(result.mDice, 0.999)
    }
}
