import Autodiff
import TensorCore
import TensorKernels
import XCTest
@testable import SimCMF

/// A model that paints: its prediction is the mask prompt (when given and taken) plus the mask pixel under the
/// last click, 1 pixel per positive click, removed under a negative one. It records what each decode received.
final class PaintingModel: SegmentationModel {
    let inputSize = 8, maskSize = 4
    var inputChannels: Int { 1 }
    var parameters: [Parameter] { [] }
    let acceptsMaskPrompt: Bool
    private(set) var received: [(clicks: Int, mask: Bool)] = []

    init(acceptsMaskPrompt: Bool) { self.acceptsMaskPrompt = acceptsMaskPrompt }

    func embed(_ images: Variable) throws -> Variable { images }

    func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        let points = prompts.pointCoordinates!.scalars, labels = prompts.pointLabels!.scalars
        received.append((labels.count, prompts.masks != nil))
        var logits = prompts.masks?.scalars ?? [Float](repeating: -1, count: maskSize * maskSize)
        let x = Int(points[points.count - 2]) * maskSize / inputSize, y = Int(points[points.count - 1]) * maskSize / inputSize
        logits[y * maskSize + x] = labels.last! == 1 ? 1 : -1
        return Variable(Tensor(shape: [1, 1, maskSize, maskSize], values: logits))
    }
}

/// The interactive protocol's loop on the painting model, worked by hand. Input 8 × 8, mask 4 × 4; the region is the
/// 4 × 4 square at input rows and columns 2–5, which the nearest resize (input rows 0, 2, 4, 6) keeps as the mask
/// square at rows and columns 1–2.
final class InteractiveEvaluatorTests: XCTestCase {
    func example() -> TrainingExample {
        var ids = [Int32](repeating: 0, count: 64)
        for y in 2...5 { for x in 2...5 { ids[y * 8 + x] = 1 } }
        return TrainingExample(id: "square", image: Tensor(shape: [1, 8, 8], repeating: 0), label: LabelMap(height: 8, width: 8, ids: ids))
    }

    func iou(_ hit: Int) -> Double { (Double(hit) + 1e-6) / (4 + 1e-6) }

    func testClicksFillTheObjectWhenThePreviousMaskIsFedBack() throws {
        let model = PaintingModel(acceptsMaskPrompt: true)
        let result = try InteractiveEvaluator(options: InteractiveOptions(maxClicks: 6)).evaluate(model, on: InMemoryExampleSource([example()]))
        // Click 1: the square's deepest input pixels (3, 3), (3, 4), (4, 3), (4, 4) are 2 from outside; the first is
        // (x 3, y 3), mask pixel (1, 1): IoU 1/4. Then each false-negative mask pixel is 1 deep; the first unclicked
        // in raster order: (x 2, y 1), (1, 2), (2, 2), at input pixels (4, 2), (2, 4), (4, 4) (the rows and columns
        // the resize reads). After four clicks the prediction is the square: nothing left to click, IoU 1 carried.
        let r = try XCTUnwrap(result.regions.first)
        XCTAssertEqual(r.clicks, [InteractiveClick(x: 3, y: 3, positive: true), InteractiveClick(x: 4, y: 2, positive: true),
                                  InteractiveClick(x: 2, y: 4, positive: true), InteractiveClick(x: 4, y: 4, positive: true)])
        for (got, want) in zip(r.ious, [1, 2, 3, 4, 4, 4].map(iou)) { XCTAssertEqual(got, want, accuracy: 1e-12) }
        XCTAssertEqual(r.ious.count, 6)
        XCTAssertEqual(r.pixelCount, 16)
        XCTAssertTrue(result.maskPrompt)
        XCTAssertEqual(model.received.map(\.clicks), [1, 2, 3, 4], "every click so far, one decode per click")
        XCTAssertEqual(model.received.map(\.mask), [false, true, true, true], "the previous logits from click 2 on")
        XCTAssertEqual(result.noc(0.85), 4); XCTAssertEqual(result.noc(0.9), 4)
        XCTAssertEqual(r.firstDice, (2 + 1e-4) / (5 + 1e-4), accuracy: 1e-12)
        let csv = result.csv().split(separator: "\n")
        XCTAssertEqual(csv[0], "image_index,image_id,region,pixel_count,noc85,noc90,clicks,iou_1,iou_2,iou_3,iou_4,iou_5,iou_6")
        XCTAssertTrue(csv[1].hasPrefix("0,square,1,16,4,4,+3/3 +4/2 +2/4 +4/4,"), String(csv[1]))
    }

    func testAModelWithoutMaskPromptGetsClicksOnly() throws {
        // Without the mask the prediction is the last click's pixel alone: IoU 1/4 after every click; the clicks
        // walk (1, 1), (2, 1), (1, 2), (2, 2); then every false negative has been clicked, so the session stops.
        let model = PaintingModel(acceptsMaskPrompt: false)
        let result = try InteractiveEvaluator(options: InteractiveOptions(maxClicks: 6)).evaluate(model, on: InMemoryExampleSource([example()]))
        XCTAssertFalse(result.maskPrompt)
        XCTAssertEqual(model.received.map(\.mask), [false, false, false, false])
        XCTAssertEqual(result.regions[0].clicks.count, 4)
        for got in result.regions[0].ious { XCTAssertEqual(got, iou(1), accuracy: 1e-12) }
        XCTAssertEqual(result.noc(0.85), 6, "never reached: K")
    }
}
