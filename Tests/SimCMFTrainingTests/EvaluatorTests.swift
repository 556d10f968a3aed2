import Foundation
import TensorCore
import XCTest
@testable import SimCMF

/// The evaluator against the NumPy re-implementation of the reference metrics (fixtures/eval).
final class EvaluatorTests: XCTestCase {
    func fixtureSetup() throws -> (EvalFixtures.Reference, InMemoryExampleSource, LookupModel) { try EvalFixtures.setup() }

    func testMetricsMatchTheReferenceImplementation() throws {
        let (ref, source, model) = try fixtureSetup()
        let (result, regions) = try Evaluator(options: EvaluationOptions(minimumPixels: ref.threshold)).evaluate(model, on: source)
        XCTAssertEqual(regions.count, ref.pairs.count)
        for (r, p) in zip(regions, ref.pairs) {
            XCTAssertEqual(r.exampleIndex, p.image)
            XCTAssertEqual(r.region, p.region)
            XCTAssertEqual(r.click, Click(x: Float(p.click[0]), y: Float(p.click[1])), "median raster click of \(p.image)/\(p.region)")
            XCTAssertEqual(r.pixelCount, p.pixel_count)
            XCTAssertEqual(r.iou, p.iou, accuracy: 1e-12, "IoU \(p.image)/\(p.region)")
            XCTAssertEqual(r.dice, p.dice, accuracy: 1e-6, "Dice \(p.image)/\(p.region) (reference in float32)")
        }
        XCTAssertEqual(result.mIoU, ref.mIoU, accuracy: 1e-12)
        XCTAssertEqual(result.mDice, ref.mDice, accuracy: 1e-6)
        XCTAssertEqual(result.skippedImages, ref.skipped_images)
        XCTAssertEqual(result.imageCount, 4 - ref.skipped_images)
        XCTAssertEqual(result.regionCount, ref.pairs.count)
        XCTAssertEqual(model.embedCalls, 3, "each image with regions is encoded once")
        XCTAssertEqual(model.decodeCalls, ref.pairs.count, "one decode per region")
        // The empty-prediction-and-empty-truth case scores 1 (reference smoothing, docs/REFERENCE.md §9.6).
        XCTAssert(ref.pairs.contains { $0.iou == 1 })
    }

    func testNearestTargetsAndTrainingCandidatesMatchTheFixture() throws {
        let ref = try EvalFixtures.reference()
        let labels = try EvalFixtures.labels()
        let s = ref.input_size, m = ref.mask_size
        let idx = LabelMap(height: s, width: s, ids: (0..<Int32(s * s)).map { $0 }).resizedNearest(height: m, width: m)
        XCTAssertEqual((0..<m).map { Int(idx.ids[$0 * m]) / s }, ref.target_rows)
        for t in ref.training {
            XCTAssertEqual(ClickSampling.trainingCandidates(labels[t.image], minimumPixels: ref.threshold), t.candidates)
        }
        // Image 2's background is smaller than the threshold: the reference's [1:] loses region 1, we keep it.
        XCTAssertEqual(ref.training[2].candidates, [1, 2, 8])
        XCTAssertEqual(ref.training[2].reference_candidates, [2, 8])
    }

    func testPerRegionCSVIsWrittenAtomically() throws {
        let (ref, source, model) = try fixtureSetup()
        let (_, regions) = try Evaluator(options: EvaluationOptions(minimumPixels: ref.threshold)).evaluate(model, on: source)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("regions.csv")
        try regions.writeCSV(to: url)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "image_index,image_id,region,pixel_count,click_x,click_y,iou,dice")
        XCTAssertEqual(lines.count, ref.pairs.count + 1)
        let first = lines[1].split(separator: ",")
        XCTAssertEqual(first[1], "img0"); XCTAssertEqual(Int(first[2]), Int(ref.pairs[0].region))
        XCTAssertEqual(Double(first[6])!, ref.pairs[0].iou, accuracy: 1e-12)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["regions.csv"], "no temporary file left")
    }

    func testFullResolutionUpsamplesTheLogits() throws {
        // Constant logits 5 upsample to 5 everywhere: full-resolution IoU = |G| / (H·W) with the 1e-6 smoothing.
        let label = LabelMap(height: 8, width: 8, ids: (0..<64).map { $0 < 24 ? 1 : 0 })
        var original = [Int32](repeating: 0, count: 30 * 20)
        for i in 0..<150 { original[i] = 1 }
        let e = TrainingExample(id: "a", image: Tensor(shape: [1, 8, 8], repeating: 0), label: label,
                                originalLabel: LabelMap(height: 30, width: 20, ids: original))
        let click = ClickSampling.middleClick(of: 1, in: label)!
        let model = LookupModel(inputSize: 8, maskSize: 4, table: [LookupModel.key(image: 0, x: Int(click.x), y: Int(click.y)): Tensor(shape: [4, 4], repeating: 5)])
        let (result, regions) = try Evaluator(options: EvaluationOptions(fullResolution: true)).evaluate(model, on: InMemoryExampleSource([e]))
        XCTAssertEqual(regions[0].fullResolutionIoU!, (150 + 1e-6) / (600 + 1e-6), accuracy: 1e-12)
        XCTAssertEqual(regions[0].fullResolutionDice!, (300 + 1e-4) / (750 + 1e-4), accuracy: 1e-12)
        XCTAssertEqual(regions[0].iou, (8 + 1e-6) / (16 + 1e-6), accuracy: 1e-12, "label rows 0-2 of 8 -> mask rows 0, 1 (sources 0, 2): 8 of 16 pixels")
        XCTAssertEqual(result.fullResolutionMIoU, regions[0].fullResolutionIoU)
        // Without an original label the full-resolution variant is an error naming the field.
        let bare = TrainingExample(id: "b", image: e.image, label: label)
        XCTAssertThrowsError(try Evaluator(options: EvaluationOptions(fullResolution: true)).evaluate(model, on: InMemoryExampleSource([bare]))) {
            XCTAssert(($0 as? TrainingError)?.errorDescription?.contains("originalLabel") == true, "\($0)")
        }
    }

    func testShapeAndEmptinessErrors() throws {
        let model = LookupModel(inputSize: 8, maskSize: 4, table: [:])
        let wrong = TrainingExample(id: "w", image: Tensor(shape: [3, 8, 8]), label: LabelMap(height: 8, width: 8, ids: .init(repeating: 1, count: 64)))
        XCTAssertThrowsError(try Evaluator().evaluate(model, on: InMemoryExampleSource([wrong]))) {
            XCTAssertEqual($0 as? TrainingError, .exampleShape(index: 0, field: "image", expected: "[1, 8, 8] (the model's input channels and size)", got: [3, 8, 8]))
        }
        let blank = TrainingExample(id: "z", image: Tensor(shape: [1, 8, 8]), label: LabelMap(height: 8, width: 8, ids: .init(repeating: 0, count: 64)))
        XCTAssertThrowsError(try Evaluator().evaluate(model, on: InMemoryExampleSource([blank]))) {
            XCTAssert(($0 as? TrainingError)?.errorDescription?.contains("every example was skipped") == true)
        }
        XCTAssertThrowsError(try Evaluator().evaluate(model, on: InMemoryExampleSource([]))) {
            XCTAssertEqual($0 as? TrainingError, .empty(field: "evaluation examples"))
        }
    }
}
