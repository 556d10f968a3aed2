import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// docs/REFERENCE.md §10 anchors at init: LoRA (B = 0) and adapter (up = 0) leave SAM unchanged; prompt and
/// prefix tokens change the attention from step 0; prompt dropout acts only in training.
final class FineTuningInitTests: XCTestCase {
    private let prompts = SAMPrompts.clicks([(x: 20, y: 30), (x: 45.5, y: 12)])

    private func image(_ channels: Int) -> Tensor {
        var g = SeededGenerator(seed: 21)
        return Tensor.normal([2, channels, 64, 64], using: &g)
    }

    /// Plain SAM's low-res logits on a 3-channel image.
    private func plainLogits(_ x: Tensor) throws -> Tensor {
        let sam = try SAMFixtures.model()
        return try withoutGradients { try sam(Variable(x), prompts: prompts).masks.value }
    }

    func testZeroShotWithLoRAOrAdapterAtInitEqualsPlainSAM() throws {
        let x = image(3)
        let plain = try plainLogits(x)
        for strategy in [LoRATuning(rank: 6, targets: [.query, .key, .value]), MLPAdapterTuning(hiddenDim: 10)] as [any FineTuningStrategy] {
            let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .zeroshot, channels: 3, strategy: strategy)
            let logits = try withoutGradients { try model(Variable(x), prompts: prompts) }
            assertClose(logits.value, plain, tol: 1e-6, "\(strategy.name) at init vs plain SAM")
            // …and perturbing the zero-initialised half changes the output.
            for p in model.parameters where p.name.contains("lora_") && p.name.contains("_b.") || p.name.contains("up_proj.weight") {
                p.value = .full(p.value.shape, 0.05)
            }
            let moved = try withoutGradients { try model(Variable(x), prompts: prompts) }
            XCTAssertFalse(moved.value.isClose(to: plain, rtol: 1e-4, atol: 1e-4), "\(strategy.name) perturbed")
        }
    }

    func testLoRAAndAdapterAtInitEqualFullFineTuningWithTheSameProjector() throws {
        let x = Variable(image(4))
        let reference = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 4, strategy: FullFineTuning(), seed: 3)
        let expected = try withoutGradients { try reference(x, prompts: prompts).value }
        for strategy in [LoRATuning(rank: 3), MLPAdapterTuning(hiddenDim: 5)] as [any FineTuningStrategy] {
            let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: 4, strategy: strategy, seed: 3)
            assertClose(try withoutGradients { try model(x, prompts: prompts).value }, expected, tol: 1e-6, "\(strategy.name) at init")
        }
    }

    func testPromptAndPrefixTokensActFromStepZeroAndDropoutOnlyInTraining() throws {
        let x = Variable(image(3))
        let plain = try plainLogits(x.value)
        for strategy in [VisualPromptTuning(length: 7), PrefixTuning(length: 3)] as [any FineTuningStrategy] {
            let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .zeroshot, channels: 3, strategy: strategy)
            let eval = try withoutGradients { try model(x, prompts: prompts).value }
            XCTAssertFalse(eval.isClose(to: plain, rtol: 1e-4, atol: 1e-4), "\(strategy.name) changes attention at init")
            model.setTraining(true)
            let train = try withoutGradients { try model(x, prompts: prompts).value }
            model.setTraining(false)
            let again = try withoutGradients { try model(x, prompts: prompts).value }
            XCTAssertEqual(again.scalars, eval.scalars, "\(strategy.name): eval is deterministic")
            if strategy is VisualPromptTuning {
                XCTAssertFalse(train.isClose(to: eval, rtol: 1e-6, atol: 1e-6), "prompt dropout in training")
            } else {
                XCTAssertEqual(train.scalars, eval.scalars, "prefix has no dropout")
            }
        }
    }

    func testInstallingTwiceAndBadHyperParametersThrow() throws {
        let sam = try SAMFixtures.model()
        var g = SeededGenerator(seed: 0)
        try PrefixTuning(length: 2).install(into: sam, generator: &g)
        XCTAssertThrowsError(try MLPAdapterTuning().install(into: sam, generator: &g)) { e in
            XCTAssertEqual(e as? FineTuningError, .alreadyInstalled(field: "image_encoder.blocks.0"))
        }
        XCTAssertThrowsError(try LoRATuning(rank: 0).install(into: SAMFixtures.model(), generator: &g)) { e in
            XCTAssertEqual(e as? FineTuningError, .invalidHyperParameter(field: "lora rank", value: "0"))
        }
    }
}
