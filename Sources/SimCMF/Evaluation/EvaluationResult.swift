import Foundation
import TensorCore
import TensorFiles

/// The score of one (image, region) pair.
public struct RegionScore: Sendable, Equatable, Codable {
    /// Index of the example in its source, and its identifier.
    public var exampleIndex: Int
    public var exampleID: String
    public var region: Int32
    /// Pixels of the region in the label at model input size.
    public var pixelCount: Int
    /// The click given to the model (input pixels).
    public var click: Click
    /// IoU and Dice at the mask resolution (256² for SAM), the reference protocol.
    public var iou: Double
    public var dice: Double
    /// IoU and Dice against the original-resolution label (logits bilinearly upsampled), if asked.
    public var fullResolutionIoU: Double?
    public var fullResolutionDice: Double?
}

/// One region's prediction handed back by `Evaluator.evaluate(…, predictions:)`.
public struct RegionPrediction: Sendable {
    /// The region's score (its click in input pixels, IoU, Dice).
    public var score: RegionScore
    /// The box prompt (input pixels), when the prompt kind uses one.
    public var box: Box?
    /// The predicted mask `[M, M]` at the mask size: 1 where the logit is > 0, else 0.
    public var mask: Tensor
}

/// One evaluated image with every scored region's prediction.
public struct ImagePrediction: Sendable {
    /// The example as the model saw it (image `[C, S, S]` normalised, label at `S × S`).
    public var example: TrainingExample
    /// Side `M` of the masks (the model's mask size).
    public var maskSize: Int
    public var regions: [RegionPrediction]
}

/// Summary of an evaluation: means over all (image, region) pairs (object-level, as the reference).
public struct EvaluationResult: Sendable, Equatable, Codable {
    public var mIoU: Double
    public var mDice: Double
    /// Mean DiceCE loss over the regions (the reference's "total score").
    public var meanLoss: Double
    public var fullResolutionMIoU: Double?
    public var fullResolutionMDice: Double?
    /// Regions scored and images that had at least one.
    public var regionCount: Int
    public var imageCount: Int
    /// Images without any valid region (skipped; the reference has none or crashes).
    public var skippedImages: Int
}

extension Array where Element == RegionScore {
    /// The per-region CSV: `image_index,image_id,region,pixel_count,click_x,click_y,iou,dice[,iou_full,dice_full]`.
    public func csv() -> String {
        let full = contains { $0.fullResolutionIoU != nil }
        var s = "image_index,image_id,region,pixel_count,click_x,click_y,iou,dice" + (full ? ",iou_full,dice_full" : "") + "\n"
        for r in self {
            s += "\(r.exampleIndex),\(csvField(r.exampleID)),\(r.region),\(r.pixelCount),\(Int(r.click.x)),\(Int(r.click.y)),\(r.iou),\(r.dice)"
            if full { s += ",\(r.fullResolutionIoU.map { "\($0)" } ?? ""),\(r.fullResolutionDice.map { "\($0)" } ?? "")" }
            s += "\n"
        }
        return s
    }

    /// Writes `csv()` to `url` atomically.
    public func writeCSV(to url: URL) throws { try AtomicFile.write(Data(csv().utf8), to: url) }
}

/// `text` as one CSV field: quoted (inner quotes doubled) when it holds a comma, a quote or a newline.
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
