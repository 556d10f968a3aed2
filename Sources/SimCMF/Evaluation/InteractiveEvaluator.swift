import Autodiff
import Distributed
import Foundation
import TensorCore
import TensorKernels

/// Options of the interactive protocol.
public struct InteractiveOptions: Sendable, Equatable, Codable {
    /// Regions need **more** than this many pixels (at input size), as the reference protocol; nil: every id > 0.
    public var minimumPixels: Int?
    /// Clicks per object (K): 20 in the interactive-segmentation literature.
    public var maxClicks: Int
    /// Give each click after the first the previous prediction's low-resolution logits as the mask prompt (SAM's
    /// `mask_input`), when the model takes one (`SegmentationModel.acceptsMaskPrompt`).
    public var feedsMaskPrompt: Bool

    public init(minimumPixels: Int? = nil, maxClicks: Int = 20, feedsMaskPrompt: Bool = true) {
        self.minimumPixels = minimumPixels; self.maxClicks = maxClicks; self.feedsMaskPrompt = feedsMaskPrompt
    }
}

/// The interactive protocol of the interactive-segmentation literature (RITM, SimpleClick, FocalClick: NoC
/// evaluation) on a `SegmentationModel`. The objects are the reference protocol's (`Evaluator.objects(of:)`);
/// each image is encoded once; then per object:
/// 1. click 1, positive, at the object's interior point on its label at input size S (`ClickPlacement.firstClick`);
/// 2. the model gets every click so far (labels 1 / 0, input pixels) and, from click 2 on, the previous
///    prediction's mask logits `[1, 1, M, M]` as mask prompt; single-mask output, as the reference protocol;
/// 3. IoU at the mask size M against the nearest-resized label (`MaskOverlap`, the reference's IoU);
/// 4. the next click at the deepest pixel of the larger error region between that prediction and the label at
///    M (`ClickPlacement.nextClick`), mapped to the input pixel the nearest resize reads for that mask pixel;
/// until K clicks, or until no unclicked error pixel is left (the last IoU then stands for the remaining clicks).
///
/// With a `communicator` of several ranks, each rank runs the protocol on a contiguous share of the examples and
/// the ranks gather every object's IoU sequence in example order (`EvaluationShare`, as `Evaluator`), so every
/// rank gets the result one process computes (the model's replicas must be identical).
public struct InteractiveEvaluator {
    public var options: InteractiveOptions
    /// The ranks sharing the evaluation (default: this process alone).
    public var communicator: any Communicator = SingleProcess()
    public init(options: InteractiveOptions = InteractiveOptions()) { self.options = options }

    /// Runs the protocol on every example. `progress(done, total)` after each image (of this rank's share).
    public func evaluate(_ model: any SegmentationModel, on source: any ExampleSource,
                         progress: ((Int, Int) -> Void)? = nil) throws -> InteractiveResult {
        guard source.count > 0 else { throw TrainingError.empty(field: "evaluation examples") }
        guard options.maxClicks > 0 else { throw TrainingError.empty(field: "clicks per object (maxClicks)") }
        model.setTraining(false)
        let maskPrompt = options.feedsMaskPrompt && model.acceptsMaskPrompt
        let objects = Evaluator(options: EvaluationOptions(minimumPixels: options.minimumPixels))
        var scores: [InteractiveRegionScore] = []
        var skipped = 0, images = 0
        let share = BatchShard.positions(rank: communicator.rank, size: communicator.size, count: source.count)
        for index in share {
            let e = try source.validated(index, for: model)
            let regions = objects.objects(of: e).map(\.region)
            if regions.isEmpty { skipped += 1; progress?(index + 1 - share.lowerBound, share.count); continue }
            images += 1
            let counts = Dictionary(uniqueKeysWithValues: e.label.regionCounts.map { ($0.id, $0.count) })
            try withoutGradients {
                let embeddings = try model.embed(Variable(e.image.unsqueezed(0)))
                for region in regions {
                    var score = try session(region, of: e, index: index, embeddings: embeddings, model: model, maskPrompt: maskPrompt)
                    score.pixelCount = counts[region] ?? 0
                    scores.append(score)
                }
            }
            progress?(index + 1 - share.lowerBound, share.count)
        }
        if communicator.size > 1 {
            let all = try EvaluationShare(scores: scores, losses: [], skipped: skipped, images: images).gathered(on: communicator)
            scores = all.scores; skipped = all.skipped; images = all.images
        }
        guard !scores.isEmpty else { throw TrainingError.empty(field: "evaluation regions (every example was skipped)") }
        return InteractiveResult(regions: scores, maxClicks: options.maxClicks, maskPrompt: maskPrompt, imageCount: images, skippedImages: skipped)
    }

    /// The clicks on one object of example `e` (number `index`) and the IoU after each.
    func session(_ region: Int32, of e: TrainingExample, index: Int, embeddings: Variable, model: any SegmentationModel,
                 maskPrompt: Bool) throws -> InteractiveRegionScore {
        let m = model.maskSize, s = model.inputSize
        let truth = e.label.resizedNearest(height: m, width: m).ids.map { $0 == region }
        let target = Tensor(shape: [1, 1, m, m], values: truth.map { $0 ? 1 : 0 })
        guard let first = ClickPlacement.firstClick(truth: e.label.ids.map { $0 == region }, height: s, width: s) else {
            throw TrainingError.empty(field: "example \(index) (\(e.id)) region \(region) pixels")
        }
        var clicks = [InteractiveClick(x: Float(first.x), y: Float(first.y), positive: true)]
        var clicked: Set<Int> = [Swift.min(first.y * m / s, m - 1) * m + Swift.min(first.x * m / s, m - 1)]
        var ious: [Double] = [], firstDice = 0.0, firstLoss = 0.0
        var previous: Tensor?
        while true {
            var prompts = SAMPrompts(pointCoordinates: Tensor(shape: [1, clicks.count, 2], values: clicks.flatMap { [$0.x, $0.y] }),
                                     pointLabels: Tensor(shape: [1, clicks.count], values: clicks.map { $0.positive ? 1 : 0 }))
            if maskPrompt { prompts.masks = previous }
            let logits = try model.decode(embeddings: embeddings, prompts: prompts)
            guard logits.shape == [1, 1, m, m] else {
                throw TrainingError.exampleShape(index: index, field: "model logits", expected: "[1, 1, \(m), \(m)]", got: logits.shape)
            }
            let overlap = MaskOverlap(logits: logits.value, truth: target)
            ious.append(overlap.iou)
            if ious.count == 1 { firstDice = overlap.dice; firstLoss = Double(Loss.diceCE(logits, target: target).value.item) }
            if ious.count == options.maxClicks { break }
            let prediction = logits.value.scalars.map { $0 > 0 }
            guard let next = ClickPlacement.nextClick(truth: truth, prediction: prediction, height: m, width: m, clicked: clicked) else { break }
            clicked.insert(next.y * m + next.x)
            clicks.append(InteractiveClick(x: Float(LabelMap.nearestSource(next.x, input: s, output: m)),
                                           y: Float(LabelMap.nearestSource(next.y, input: s, output: m)), positive: next.positive))
            previous = logits.value
        }
        ious += repeatElement(ious[ious.count - 1], count: options.maxClicks - ious.count)
        return InteractiveRegionScore(exampleIndex: index, exampleID: e.id, region: region, pixelCount: 0, clicks: clicks, ious: ious,
                                      firstDice: firstDice, firstLoss: firstLoss)
    }
}
