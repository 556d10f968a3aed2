import Autodiff
import Distributed
import Foundation

/// Options of the evaluation protocol.
public struct EvaluationOptions: Sendable, Equatable, Codable {
    /// Regions need **more** than this many pixels (at input size); nil: every id > 0.
    public var minimumPixels: Int?
    /// The prompt per region (SimCMF: one click; LiteMedSAM: a box).
    public var promptKind: PromptKind
    /// Also score against `TrainingExample.originalLabel` (logits upsampled bilinearly).
    public var fullResolution: Bool

    public init(minimumPixels: Int? = nil, promptKind: PromptKind = .click, fullResolution: Bool = false) {
        self.minimumPixels = minimumPixels; self.promptKind = promptKind; self.fullResolution = fullResolution
    }
}

/// The reference evaluation protocol (docs/REFERENCE.md §6): each image is encoded once; every region
/// (id > 0, count > threshold) gets one click at its median raster pixel (or its precomputed
/// prompt, or its bounding box); the single-mask logits are thresholded at 0 and scored at the
/// mask resolution against the nearest-resized label; mIoU is the mean over (image, region) pairs.
///
/// With a `communicator` of several ranks, each rank scores a contiguous share of the examples and the
/// ranks gather every share's regions in example order, so every rank gets the scores, means and CSV
/// one process computes (the model's replicas must be identical).
public struct Evaluator {
    public var options: EvaluationOptions
    /// The ranks sharing the evaluation (default: this process alone).
    public var communicator: any Communicator = SingleProcess()
    public init(options: EvaluationOptions = EvaluationOptions()) { self.options = options }

    /// The objects of one example to segment, in ascending region order (or the given prompts' order).
    public func objects(of e: TrainingExample) -> [ObjectPrompt] {
        let withBox = options.promptKind != .click
        if let given = e.prompts {
            return given.map { ObjectPrompt(region: $0.region, click: $0.click,
                                            box: withBox ? ($0.box ?? ClickSampling.boundingBox(of: $0.region, in: e.label)) : nil) }
        }
        return ClickSampling.evaluationRegions(e.label, minimumPixels: options.minimumPixels).map { r in
            ObjectPrompt(region: r, click: ClickSampling.middleClick(of: r, in: e.label)!,
                         box: withBox ? ClickSampling.boundingBox(of: r, in: e.label) : nil)
        }
    }

    /// Scores every region of every example. `progress(done, total)` after each image (of this rank's
    /// share). With `predictions`, each scored image (of this rank's share) is also handed back (once, after its regions are scored) with
    /// every region's predicted mask (`logits > 0` at the mask size, the mask the IoU was computed
    /// on); the scores do not change.
    public func evaluate(_ model: any SegmentationModel, on source: any ExampleSource,
                         progress: ((Int, Int) -> Void)? = nil,
                         predictions: ((ImagePrediction) throws -> Void)? = nil) throws -> (result: EvaluationResult, regions: [RegionScore]) {
        guard source.count > 0 else { throw TrainingError.empty(field: "evaluation examples") }
        model.setTraining(false)
        var scores: [RegionScore] = []
        var losses: [Double] = []
        var skipped = 0, images = 0
        let m = model.maskSize
        let share = BatchShard.positions(rank: communicator.rank, size: communicator.size, count: source.count)
        for index in share {
            let e = try source.validated(index, for: model)
            let objects = objects(of: e)
            if objects.isEmpty { skipped += 1; progress?(index + 1 - share.lowerBound, share.count); continue }
            if options.fullResolution && e.originalLabel == nil { throw TrainingError.empty(field: "example \(index) (\(e.id)) originalLabel") }
            for o in objects where o.box == nil && options.promptKind != .click {
                throw TrainingError.empty(field: "example \(index) (\(e.id)) region \(o.region) pixels")
            }
            images += 1
            let small = e.label.resizedNearest(height: m, width: m)
            let counts = Dictionary(uniqueKeysWithValues: e.label.regionCounts.map { ($0.id, $0.count) })
            var masks: [RegionPrediction] = []
            try withoutGradients {
                let embeddings = try model.embed(Variable(e.image.unsqueezed(0)))
                for o in objects {
                    let logits = try model.decode(embeddings: embeddings, prompts: [o].samPrompts(kind: options.promptKind))
                    guard logits.shape == [1, 1, m, m] else {
                        throw TrainingError.exampleShape(index: index, field: "model logits", expected: "[1, 1, \(m), \(m)]", got: logits.shape)
                    }
                    let truth = small.mask(of: o.region).reshaped([1, 1, m, m])
                    let overlap = MaskOverlap(logits: logits.value, truth: truth)
                    losses.append(Double(Loss.diceCE(logits, target: truth).value.item))
                    var score = RegionScore(exampleIndex: index, exampleID: e.id, region: o.region, pixelCount: counts[o.region] ?? 0,
                                            click: o.click, iou: overlap.iou, dice: overlap.dice)
                    if options.fullResolution, let full = e.originalLabel {
                        let up = interpolate(logits, size: (full.height, full.width), mode: .bilinear)
                        let fo = MaskOverlap(logits: up.value, truth: full.mask(of: o.region))
                        score.fullResolutionIoU = fo.iou; score.fullResolutionDice = fo.dice
                    }
                    scores.append(score)
                    if predictions != nil {
                        masks.append(RegionPrediction(score: score, box: o.box, mask: MaskOverlap.predictedMask(logits.value.reshaped([m, m]))))
                    }
                }
            }
            try predictions?(ImagePrediction(example: e, maskSize: m, regions: masks))
            progress?(index + 1 - share.lowerBound, share.count)
        }
        if communicator.size > 1 {
            let all = try EvaluationShare(scores: scores, losses: losses, skipped: skipped, images: images).gathered(on: communicator)
            scores = all.scores; losses = all.losses; skipped = all.skipped; images = all.images
        }
        guard !scores.isEmpty else { throw TrainingError.empty(field: "evaluation regions (every example was skipped)") }
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        let result = EvaluationResult(
            mIoU: mean(scores.map(\.iou)), mDice: mean(scores.map(\.dice)), meanLoss: mean(losses),
            fullResolutionMIoU: options.fullResolution ? mean(scores.compactMap(\.fullResolutionIoU)) : nil,
            fullResolutionMDice: options.fullResolution ? mean(scores.compactMap(\.fullResolutionDice)) : nil,
            regionCount: scores.count, imageCount: images, skippedImages: skipped)
        return (result, scores)
    }
}
