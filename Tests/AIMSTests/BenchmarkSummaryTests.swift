import Foundation
import XCTest
@testable import AIMS
import SimCMF

/// The benchmark's summaries from hand-made rows: the means, the control's verdict and the Markdown table.
final class BenchmarkSummaryTests: XCTestCase {
    static func method(_ name: String, _ mIoU: Double, dice: Double = 0, interval: (Double, Double)? = nil) -> DemoResults.Method {
        let ci = interval.map { bounds in
            try! JSONDecoder().decode(BootstrapInterval.self, from: Data("""
                {"mean": \(mIoU), "lower": \(bounds.0), "upper": \(bounds.1), "level": 0.95, "resamples": 1000, "seed": 0, "images": 2}
                """.utf8))
        }
        return DemoResults.Method(name: name, model: "m", trainableValues: name == "zero-shot" ? 0 : 10, trainingSeconds: name == "zero-shot" ? nil : 1,
                                  bestValidationMIoU: nil, test: DemoResults.Test(mIoU: mIoU, mDice: dice, regions: 4, images: 2, model: "m", seconds: 1,
                                                                                  mIoUInterval: ci))
    }

    static func modality(_ id: String, _ rows: [DemoResults.Method]) -> BenchmarkResults.ModalityResult {
        BenchmarkResults.ModalityResult(id: id, name: id, dataset: "d", cue: "nir", cueExplanation: "x", channels: [], trainingImages: 4,
                                        validationImages: 1, methods: rows, simcmfBeatsBaselines: true, verdict: "v", samples: [])
    }

    func testMeansAverageEachMethodOverTheModalitiesThatRanIt() {
        let a = Self.modality("a", [Self.method("zero-shot", 0.1, dice: 0.2), Self.method("SimCMF + LoRA", 0.5)])
        let b = Self.modality("b", [Self.method("zero-shot", 0.3, dice: 0.4), Self.method("SimCMF + LoRA", 0.7),
                                    Self.method("SimCMF + full fine-tuning", 0.9)])
        let means = BenchmarkPipeline.means([a, b])
        XCTAssertEqual(means.map(\.method), ["zero-shot", "SimCMF + LoRA", "SimCMF + full fine-tuning"])
        XCTAssertEqual(means[0].mIoU, 0.2, accuracy: 1e-12)
        XCTAssertEqual(means[0].mDice, 0.3, accuracy: 1e-12)
        XCTAssertEqual(means[1].mIoU, 0.6, accuracy: 1e-12)
        XCTAssertEqual(means[2].mIoU, 0.9, accuracy: 1e-12)
        XCTAssertEqual(means.map(\.modalities), [2, 2, 1])
    }

    func testControlVerdictFollowsTheGains() throws {
        let c = try BenchmarkModality.named("rgbnir")
        let real = [Self.method("zero-shot", 0.1), Self.method("SimCMF + LoRA", 0.6)]
        let lost = BenchmarkPipeline.control(c, files: 3, real: real, noise: [Self.method("zero-shot", 0.1), Self.method("SimCMF + LoRA", 0.2)])
        XCTAssertEqual(lost.realGain, 0.5, accuracy: 1e-12)
        XCTAssertEqual(lost.noiseGain, 0.1, accuracy: 1e-12)
        XCTAssertTrue(lost.verdict.hasPrefix("As expected"), lost.verdict)
        let kept = BenchmarkPipeline.control(c, files: 3, real: real, noise: [Self.method("zero-shot", 0.1), Self.method("SimCMF + LoRA", 0.6)])
        XCTAssertTrue(kept.verdict.hasPrefix("NOT as expected"), kept.verdict)
        // With intervals the rows must be apart, not just ordered: the default run's numbers (real 0.546 [0.475, 0.644],
        // noise 0.339 [0.293, 0.393]) are; 0.50 [0.40, 0.60] against 0.55 [0.45, 0.65] is not.
        let sensor = [Self.method("zero-shot", 0.003), Self.method("SimCMF + LoRA", 0.546, interval: (0.475, 0.644))]
        let apart = BenchmarkPipeline.control(c, files: 3, real: sensor, noise: [Self.method("zero-shot", 0.003),
                                                                                 Self.method("SimCMF + LoRA", 0.339, interval: (0.293, 0.393))])
        XCTAssertTrue(apart.verdict.hasPrefix("As expected"), apart.verdict)
        XCTAssertTrue(apart.verdict.contains("+0.207") && apart.verdict.contains("62 %"), apart.verdict)
        let overlap = BenchmarkPipeline.control(c, files: 3, real: [Self.method("zero-shot", 0), Self.method("SimCMF + LoRA", 0.55, interval: (0.45, 0.65))],
                                                noise: [Self.method("zero-shot", 0), Self.method("SimCMF + LoRA", 0.5, interval: (0.4, 0.6))])
        XCTAssertTrue(overlap.verdict.hasPrefix("NOT as expected"), overlap.verdict)
        let none = BenchmarkPipeline.control(c, files: 3, real: [Self.method("zero-shot", 0.3), Self.method("SimCMF + LoRA", 0.2)], noise: real)
        XCTAssertTrue(none.verdict.contains("did not gain"), none.verdict)
        XCTAssertThrowsError(try BenchmarkModality.named("rgbx")) { XCTAssertTrue("\($0.localizedDescription)".contains("rgbnir")) }
    }

    func testMarkdownTableHasEveryModalityTheMeanAndThePaperLabelledApart() {
        let rows = [Self.modality("a", [Self.method("zero-shot", 0.1), Self.method("from scratch", 0.2), Self.method("SimCMF + LoRA", 0.5)])]
        let r = BenchmarkResults(command: "aims benchmark --quick", quick: true, seed: 7, scenes: 12, epochs: 2, modalities: rows,
                                 means: BenchmarkPipeline.means(rows), paperZeroShotMean: 22.15, paperSimCMFMean: 53.88, control: nil,
                                 ablationModality: nil, ablations: [], report: "r", seconds: 1)
        let md = BenchmarkTable.markdown(r)
        XCTAssertTrue(md.contains("| a | nir | 0.100 | 0.200 | 0.500 |"), md)
        XCTAssertTrue(md.contains("| **mean** | | **0.100** | **0.200** | **0.500** |"), md)
        XCTAssertTrue(md.contains("another dataset") && md.contains("*0.221* | – | *0.539*"), md)
    }
}
