import Foundation
import SimCMF

/// What one evaluation reports (`aims eval --json` prints it as is).
public struct EvaluationSummary: Codable, Sendable {
    public var modality: String
    /// The dataset folder scored.
    public var data: String
    /// What was scored, e.g. "LiteMedSAM (3 channels, full) (pretrained, untrained alignment)".
    public var model: String
    /// The prompt per region: click (the SimCMF protocol), box or clickAndBox.
    public var prompt: String
    public var checkpoint: String?
    public var split: String
    public var images: Int
    /// Images without a region that passes the protocol (not scored).
    public var skippedImages: Int
    public var regions: Int
    /// Mean IoU over regions (docs/REFERENCE.md, evaluation protocol).
    public var mIoU: Double
    public var mDice: Double
    /// Mean Dice + CE loss over regions.
    public var meanLoss: Double
    /// The per-region CSV written, if any.
    public var csv: String?
    /// Wall-clock seconds since `start`.
    public var seconds: Double
}

extension EvaluationRun {
    /// Scores the model on the source under the SimCMF protocol (`Evaluator`) with `prompt` per region.
    /// - Parameters:
    ///   - overlays: a folder for one overlay PNG per image and `overlays.csv` (`EvaluationOverlays`), showing input
    ///     channel `overlayChannel` in grey (nil: channels 0–2).
    ///   - csv: the per-region CSV (`image_index,image_id,region,pixel_count,click_x,click_y,iou,dice`).
    ///   - start: when the evaluation started, for `EvaluationSummary.seconds`.
    ///   - progress: (images done, images) after each image.
    public func score(prompt: PromptKind, overlays folder: URL?, overlayChannel: Int? = nil, csv: URL?, start: Date = Date(),
                      progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationSummary {
        var overlays = try folder.map { try EvaluationOverlays(folder: $0, inputChannels: model.inputChannels, channel: overlayChannel) }
        if overlays == nil, overlayChannel != nil { throw RunOptionError(message: "--overlay-channel needs --overlays DIR") }
        let (result, regions) = try Evaluator(options: EvaluationOptions(promptKind: prompt))
            .evaluate(model, on: source, progress: progress, predictions: overlays == nil ? nil : { try overlays!.write($0) })
        try overlays?.writeCSV()
        if let csv { try regions.writeCSV(to: csv) }
        return EvaluationSummary(modality: source.modality.identifier, data: source.root.path, model: modelDescription, prompt: prompt.rawValue,
                                 checkpoint: checkpoint, split: splitName, images: result.imageCount, skippedImages: result.skippedImages,
                                 regions: result.regionCount, mIoU: result.mIoU, mDice: result.mDice, meanLoss: result.meanLoss,
                                 csv: csv?.path, seconds: Date().timeIntervalSince(start))
    }
}
