import Foundation
import TensorCore
import TensorFiles
import TensorKernels

/// A click given to the model in the interactive protocol: `(x, y)` in model-input pixels (as `Click`),
/// positive (label 1) or negative (label 0).
public struct InteractiveClick: Sendable, Equatable, Codable {
    public var x: Float
    public var y: Float
    public var positive: Bool
    public init(x: Float, y: Float, positive: Bool) { self.x = x; self.y = y; self.positive = positive }
}

/// One object (image, region) under the interactive protocol.
public struct InteractiveRegionScore: Sendable, Equatable, Codable {
    public var exampleIndex: Int
    public var exampleID: String
    public var region: Int32
    /// Pixels of the region in the label at model input size.
    public var pixelCount: Int
    /// The clicks placed, in order (input pixels); fewer than `ious.count` when no error pixel was left to click.
    public var clicks: [InteractiveClick]
    /// IoU at the mask size after click 1, 2, …, K (K = the protocol's maximum); after the last click placed, its
    /// IoU is carried to K.
    public var ious: [Double]
    /// Dice and DiceCE loss of the first click's prediction.
    public var firstDice: Double
    public var firstLoss: Double

    public init(exampleIndex: Int, exampleID: String, region: Int32, pixelCount: Int, clicks: [InteractiveClick], ious: [Double],
                firstDice: Double, firstLoss: Double) {
        self.exampleIndex = exampleIndex; self.exampleID = exampleID; self.region = region; self.pixelCount = pixelCount
        self.clicks = clicks; self.ious = ious; self.firstDice = firstDice; self.firstLoss = firstLoss
    }
}

/// The interactive protocol's outcome: every object's IoU sequence and the metrics over them.
public struct InteractiveResult: Sendable, Equatable, Codable {
    public var regions: [InteractiveRegionScore]
    /// Clicks per object (K).
    public var maxClicks: Int
    /// Whether each click after the first also got the previous prediction's mask logits as SAM's mask prompt.
    public var maskPrompt: Bool
    /// Images with at least one region, and images without any (skipped).
    public var imageCount: Int
    public var skippedImages: Int

    public init(regions: [InteractiveRegionScore], maxClicks: Int, maskPrompt: Bool, imageCount: Int, skippedImages: Int) {
        self.regions = regions; self.maxClicks = maxClicks; self.maskPrompt = maskPrompt
        self.imageCount = imageCount; self.skippedImages = skippedImages
    }

    /// The IoU sequences, one per object.
    public var sequences: [[Double]] { regions.map(\.ious) }
    /// Mean IoU after k = 1…K clicks (element k − 1).
    public var curve: [Double] { NumberOfClicks.meanCurve(sequences) }
    /// Mean clicks to reach IoU ≥ `threshold` (K when never reached).
    public func noc(_ threshold: Double) -> Double { NumberOfClicks.mean(toReach: threshold, sequences: sequences, maxClicks: maxClicks) }
    /// IoU of every object after `k` clicks (1-based, ≤ K).
    public func ious(afterClicks k: Int) -> [Double] { regions.map { $0.ious[k - 1] } }

    /// The per-object CSV: `image_index,image_id,region,pixel_count,noc85,noc90,clicks,iou_1,…,iou_K`; `clicks`
    /// lists the clicks as `+x/y` (positive) or `-x/y` (negative) in input pixels, separated by spaces.
    public func csv() -> String {
        var s = "image_index,image_id,region,pixel_count,noc85,noc90,clicks," + (1...maxClicks).map { "iou_\($0)" }.joined(separator: ",") + "\n"
        for r in regions {
            let clicks = r.clicks.map { "\($0.positive ? "+" : "-")\(Self.number($0.x))/\(Self.number($0.y))" }.joined(separator: " ")
            s += "\(r.exampleIndex),\(csvField(r.exampleID)),\(r.region),\(r.pixelCount),"
            s += "\(NumberOfClicks.clicks(toReach: 0.85, ious: r.ious, maxClicks: maxClicks)),\(NumberOfClicks.clicks(toReach: 0.9, ious: r.ious, maxClicks: maxClicks)),"
            s += clicks + "," + r.ious.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        return s
    }

    /// Writes `csv()` to `url` atomically.
    public func writeCSV(to url: URL) throws { try AtomicFile.write(Data(csv().utf8), to: url) }

    /// `12` for 12.0, else the shortest Float text.
    static func number(_ v: Float) -> String { v == v.rounded() && abs(v) < 1e7 ? "\(Int(v))" : "\(v)" }
}
