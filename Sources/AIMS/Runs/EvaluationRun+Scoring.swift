import Distributed
import Foundation
import SimCMF
import TensorCore

extension EvaluationRun {
    /// Resamples and seed of every reported bootstrap interval (`BootstrapInterval`, 95 % over images).
    public static let bootstrapResamples = 1000, bootstrapSeed: UInt64 = 0

    /// The 95 % bootstrap interval of the mean of `values` (one per region) over their images `images`.
    static func interval(_ values: [Double], _ images: [Int]) -> BootstrapInterval {
        BootstrapInterval(values: values, images: images, resamples: bootstrapResamples, level: 0.95, seed: bootstrapSeed)
    }

    /// Scores the model on the source under `protocol`: `reference` and `box` with `Evaluator` (`prompt` per region:
    /// click for `reference`, box or clickAndBox for `box`), `clicks` with `InteractiveEvaluator` (up to `maxClicks`
    /// clicks per object). Every protocol reports the 95 % bootstrap interval of its mIoU over images.
    /// - Parameters:
    ///   - overlays: a folder for one overlay PNG per image and `overlays.csv` (`EvaluationOverlays`), showing input
    ///     channel `overlayChannel` in grey (nil: channels 0–2); not under `clicks`. Each rank writes the pictures of
    ///     its own images, rank 0 `overlays.csv` from every rank's gathered scores.
    ///   - csv: the per-region CSV (`image_index,image_id,region,pixel_count,click_x,click_y,iou,dice`; under `clicks`
    ///     `InteractiveResult.csv()`: NoC, the clicks and the IoU after each).
    ///   - start: when the evaluation started, for `EvaluationSummary.seconds`.
    ///   - progress: (images done, images) after each image.
    ///   - communicator: the ranks sharing the images (contiguous shares, `BatchShard`); every rank gets the summary
    ///     one process computes, rank 0 alone writes `csv` and `overlays.csv`.
    public func score(_ protocol: EvaluationProtocol = .reference, prompt: PromptKind = .click, maxClicks: Int = 20, overlays folder: URL?,
                      overlayChannel: Int? = nil, csv: URL?, start: Date = Date(), communicator: any Communicator = SingleProcess(),
                      progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationSummary {
        guard (`protocol` == .box) == (prompt != .click) else {
            throw RunOptionError(message: "--protocol \(`protocol`.rawValue) does not go with --prompt \(prompt.optionName)")
        }
        if `protocol` == .clicks {
            if folder != nil || overlayChannel != nil { throw RunOptionError(message: "--overlays: the clicks protocol writes no overlays") }
            return try scoreClicks(maxClicks: maxClicks, csv: csv, start: start, communicator: communicator, progress: progress)
        }
        let overlays = try folder.map { try EvaluationOverlays(folder: $0, inputChannels: model.inputChannels, channel: overlayChannel) }
        if overlays == nil, overlayChannel != nil { throw RunOptionError(message: "--overlay-channel needs --overlays DIR") }
        var evaluator = Evaluator(options: EvaluationOptions(promptKind: prompt))
        evaluator.communicator = communicator
        let (result, regions) = try evaluator.evaluate(model, on: source, progress: progress, predictions: overlays.map { o in { try o.write($0) } })
        if communicator.isRoot {
            try overlays?.writeCSV(regions)
            if let csv { try regions.writeCSV(to: csv) }
        }
        return summary(`protocol`, prompt: prompt, images: result.imageCount, skipped: result.skippedImages, regions: result.regionCount,
                       mIoU: result.mIoU, interval: Self.interval(regions.map(\.iou), regions.map(\.exampleIndex)), mDice: result.mDice,
                       meanLoss: result.meanLoss, csv: csv, start: start)
    }

    /// The `clicks` protocol.
    func scoreClicks(maxClicks: Int, csv: URL?, start: Date, communicator: any Communicator,
                     progress: ((Int, Int) -> Void)?) throws -> EvaluationSummary {
        var evaluator = InteractiveEvaluator(options: InteractiveOptions(maxClicks: maxClicks))
        evaluator.communicator = communicator
        let result = try evaluator.evaluate(model, on: source, progress: progress)
        if let csv, communicator.isRoot { try result.writeCSV(to: csv) }
        let interactive = InteractiveSummary(result, interval: Self.interval)
        let first = interactive.afterClicks[0]
        var s = summary(.clicks, prompt: .click, images: result.imageCount, skipped: result.skippedImages, regions: result.regions.count,
                        mIoU: first.mIoU, interval: first.interval, mDice: Self.mean(result.regions.map(\.firstDice)),
                        meanLoss: Self.mean(result.regions.map(\.firstLoss)), csv: csv, start: start)
        s.interactive = interactive
        return s
    }

    func summary(_ protocol: EvaluationProtocol, prompt: PromptKind, images: Int, skipped: Int, regions: Int, mIoU: Double,
                 interval: BootstrapInterval, mDice: Double, meanLoss: Double, csv: URL?, start: Date) -> EvaluationSummary {
        EvaluationSummary(modality: source.modality.identifier, data: source.root.path, model: modelDescription, prompt: prompt.rawValue,
                          protocol: `protocol`.rawValue, checkpoint: checkpoint, precision: Precision.current.rawValue,
                          trainingPrecision: trainingPrecision?.rawValue, split: splitName, modelSelection: selection, images: images,
                          skippedImages: skipped, regions: regions, mIoU: mIoU, mIoUInterval: interval, mDice: mDice, meanLoss: meanLoss,
                          interactive: nil, csv: csv?.path, seconds: Date().timeIntervalSince(start))
    }

    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
}
