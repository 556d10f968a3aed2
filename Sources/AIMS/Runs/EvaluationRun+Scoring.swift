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
    ///     channel `overlayChannel` in grey (nil: channels 0–2); not under `clicks`.
    ///   - csv: the per-region CSV (`image_index,image_id,region,pixel_count,click_x,click_y,iou,dice`; under `clicks`
    ///     `InteractiveResult.csv()`: NoC, the clicks and the IoU after each).
    ///   - start: when the evaluation started, for `EvaluationSummary.seconds`.
    ///   - progress: (images done, images) after each image.
    ///   - communicator: the ranks sharing the images (`reference` and `box` only, without overlays); every rank
    ///     gets the summary one process computes, rank 0 alone writes `csv`.
    public func score(_ protocol: EvaluationProtocol = .reference, prompt: PromptKind = .click, maxClicks: Int = 20, overlays folder: URL?,
                      overlayChannel: Int? = nil, csv: URL?, start: Date = Date(), communicator: any Communicator = SingleProcess(),
                      progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationSummary {
        guard (`protocol` == .box) == (prompt != .click) else {
            throw RunOptionError(message: "--protocol \(`protocol`.rawValue) does not go with --prompt \(prompt.optionName)")
        }
        if communicator.size > 1 && (`protocol` == .clicks || folder != nil) {
            throw RunOptionError(message: "\(`protocol` == .clicks ? "--protocol clicks" : "--overlays") runs as one process only, not under mpirun")
        }
        if `protocol` == .clicks {
            if folder != nil || overlayChannel != nil { throw RunOptionError(message: "--overlays: the clicks protocol writes no overlays") }
            return try scoreClicks(maxClicks: maxClicks, csv: csv, start: start, progress: progress)
        }
        var overlays = try folder.map { try EvaluationOverlays(folder: $0, inputChannels: model.inputChannels, channel: overlayChannel) }
        if overlays == nil, overlayChannel != nil { throw RunOptionError(message: "--overlay-channel needs --overlays DIR") }
        var evaluator = Evaluator(options: EvaluationOptions(promptKind: prompt))
        evaluator.communicator = communicator
        let (result, regions) = try evaluator.evaluate(model, on: source, progress: progress, predictions: overlays == nil ? nil : { try overlays!.write($0) })
        try overlays?.writeCSV()
        if let csv, communicator.isRoot { try regions.writeCSV(to: csv) }
        return summary(`protocol`, prompt: prompt, images: result.imageCount, skipped: result.skippedImages, regions: result.regionCount,
                       mIoU: result.mIoU, interval: Self.interval(regions.map(\.iou), regions.map(\.exampleIndex)), mDice: result.mDice,
                       meanLoss: result.meanLoss, csv: csv, start: start)
    }

    /// The `clicks` protocol.
    func scoreClicks(maxClicks: Int, csv: URL?, start: Date, progress: ((Int, Int) -> Void)?) throws -> EvaluationSummary {
        let result = try InteractiveEvaluator(options: InteractiveOptions(maxClicks: maxClicks)).evaluate(model, on: source, progress: progress)
        if let csv { try result.writeCSV(to: csv) }
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
