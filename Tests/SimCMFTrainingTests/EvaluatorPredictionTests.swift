import Foundation
import XCTest
@testable import SimCMF

/// `Evaluator.evaluate(…, predictions:)`: the masks handed back are the ones scored.
final class EvaluatorPredictionTests: XCTestCase {
    func testHandedBackMasksReproduceTheReportedIoUAndLeaveScoresUnchanged() throws {
        let (ref, source, model) = try EvalFixtures.setup()
        let evaluator = Evaluator(options: EvaluationOptions(minimumPixels: ref.threshold))
        let (plain, plainRegions) = try evaluator.evaluate(model, on: source)
        var images: [ImagePrediction] = []
        let (result, regions) = try evaluator.evaluate(model, on: source, predictions: { images.append($0) })
        XCTAssertEqual(result, plain)
        XCTAssertEqual(regions, plainRegions)
        // One hand-back per scored image, its regions in the scored order.
        XCTAssertEqual(images.map(\.regions.count).reduce(0, +), regions.count)
        XCTAssertEqual(images.flatMap { $0.regions.map(\.score) }, regions)
        let m = ref.mask_size
        let logits = try EvalFixtures.logits()
        var k = 0
        for image in images {
            XCTAssertEqual(image.maskSize, m)
            let truthMap = image.example.label.resizedNearest(height: m, width: m)
            for r in image.regions {
                XCTAssertEqual(r.mask.shape, [m, m])
                XCTAssertTrue(r.mask.scalars.allSatisfy { $0 == 0 || $0 == 1 })
                // Independent truth: the fixture's logits thresholded by hand (> 0), and the reference IoU.
                let expected = logits.slice(axis: 0, k..<(k + 1)).scalars.map { $0 > 0 ? Float(1) : 0 }
                XCTAssertEqual(r.mask.scalars, expected, "mask of pair \(k)")
                let truth = truthMap.mask(of: r.score.region)
                let pairs = Array(zip(r.mask.scalars, truth.scalars))
                let inter: Double = Double(pairs.filter { $0.0 > 0 && $0.1 > 0 }.count)
                let union: Double = Double(pairs.filter { $0.0 > 0 || $0.1 > 0 }.count)
                let iou: Double = (inter + 1e-6) / (union + 1e-6)
                XCTAssertEqual(iou, ref.pairs[k].iou, accuracy: 1e-12)
                XCTAssertEqual(r.score.iou, ref.pairs[k].iou, accuracy: 1e-12)
                k += 1
            }
        }
        XCTAssertEqual(k, ref.pairs.count)
    }
}
