import Foundation
import TensorFiles
import TestRequirements
import XCTest
@testable import SimCMF

/// LiteMedSAM (real weights) through the `SegmentationModel` seam and the evaluator, on the real CT
/// slice of fixtures/tinyvit with its box: the ground truth is PyTorch's mask for that box, so the
/// evaluator must score IoU ≥ 0.999 (the end-to-end parity of TinyViTTests, via the protocol).
final class LiteMedSAMEvaluationTests: XCTestCase {
    /// The real weights (or a skip) and the CT slice as an example whose region 1 is PyTorch's mask for the fixture box.
    func setUpCT() throws -> (LiteMedSAM, TrainingExample) {
        let weights = try Provided.liteMedSAMCheckpoint()
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/tinyvit")
        let e2e = try TensorFiles.read(dir.appendingPathComponent("litemedsam_e2e.safetensors"))
        let encoder = try TensorFiles.read(dir.appendingPathComponent("litemedsam_encoder.safetensors"))
        let input = try XCTUnwrap(encoder["input"]), box = try XCTUnwrap(e2e["box"]).scalars, mask = try XCTUnwrap(e2e["mask"])
        let label = LabelMap(height: 256, width: 256, ids: mask.scalars.map { $0 > 0 ? 1 : 0 })
        let prompt = RegionPrompt(region: 1, click: ClickSampling.middleClick(of: 1, in: label)!,
                                  box: Box(x0: box[0], y0: box[1], x1: box[2], y1: box[3]))
        return (try LiteMedSAM(contentsOf: weights), TrainingExample(id: "ct", image: input.reshaped([3, 256, 256]), label: label, prompts: [prompt]))
    }

    func testEvaluatorScoresLiteMedSAMAgainstPyTorchsMask() throws {
        let (liteMedSAM, example) = try setUpCT()
        let model: any SegmentationModel = liteMedSAM
        XCTAssertEqual([model.inputChannels, model.inputSize, model.maskSize], [3, 256, 256])
        let (result, regions) = try Evaluator(options: EvaluationOptions(promptKind: .box)).evaluate(model, on: InMemoryExampleSource([example]))
        XCTAssertEqual(regions.count, 1)
        XCTAssertEqual(regions[0].pixelCount, 3618)
        XCTAssertGreaterThanOrEqual(result.mIoU, 0.999)
        XCTAssertGreaterThanOrEqual(result.mDice, 0.999)
    }

    /// One training step with box prompts, the encoder and prompt encoder frozen: a frozen encoder keeps
    /// its BatchNorm running statistics (folded BatchNorm in training too, so its embedding is fixed and
    /// the trainer caches it); only the mask decoder moves; the model is back in evaluation mode afterwards.
    /// (`--strategy full` runs the BatchNorms on batch statistics: see TinyViTGradientTests for that mode.)
    func testOneBoxPromptStepTrainsOnlyTheDecoderOfAFrozenEncoder() throws {
        let (model, example) = try setUpCT()
        for p in model.imageEncoder.parameters + model.promptEncoder.parameters { p.trainable = false }
        let encoderBefore = model.imageEncoder.parameters.map(\.value.scalars)
        let statsBefore = model.trainingBuffers.map(\.value.scalars)
        let decoderBefore = model.maskDecoder.parameters.map(\.value.scalars)
        var c = TrainingConfiguration()
        c.epochs = 1; c.batchSize = 1; c.promptKind = .box; c.boxJitter = 5; c.learningRate = 1e-4
        let trainer = try Trainer(model: model, configuration: c)
        let summary = try trainer.run(training: InMemoryExampleSource([example]))
        XCTAssert(summary[0].meanLoss.isFinite && summary[0].meanLoss > 0, "\(summary)")
        XCTAssertEqual(model.imageEncoder.parameters.map(\.value.scalars), encoderBefore, "frozen encoder")
        XCTAssertTrue(trainer.cachesEmbeddings, "frozen encoder: embeddings cached")
        XCTAssertEqual(model.trainingBuffers.map(\.value.scalars), statsBefore, "a frozen encoder keeps its running statistics")
        XCTAssertNotEqual(model.maskDecoder.parameters.map(\.value.scalars), decoderBefore)
        XCTAssertEqual(model.imageEncoder.batchNormMode, .evaluationFolded)
    }
}
