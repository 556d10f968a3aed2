import Foundation
import SimCMF

/// What one evaluation reports (`aims eval --json` prints it as is).
public struct EvaluationSummary: Codable, Sendable {
    public var modality: String
    /// The dataset folder scored.
    public var data: String
    /// What was scored, e.g. "LiteMedSAM (3 channels, full) (pretrained, untrained alignment)".
    public var model: String
    /// The prompt per region: click (the SimCMF protocol and the clicks protocol), box or clickAndBox.
    public var prompt: String
    /// `reference`, `clicks` or `box` (`EvaluationProtocol`).
    public var `protocol`: String
    public var checkpoint: String?
    /// The products' arithmetic this evaluation ran in (`aims eval --precision`): fp32 or bf16.
    public var precision: String
    /// With a run folder: the precision its checkpoint was trained with (`aims train --precision`); nil otherwise.
    public var trainingPrecision: String?
    public var split: String
    /// With a run folder's best checkpoint: the split that chose it (`optimistic` when it was the test split).
    public var modelSelection: ModelSelection?
    public var images: Int
    /// Images without a region that passes the protocol (not scored).
    public var skippedImages: Int
    public var regions: Int
    /// Mean IoU over regions (docs/REFERENCE.md, evaluation protocol); under `clicks`, after the first click.
    public var mIoU: Double
    /// The 95 % percentile-bootstrap interval of `mIoU` over images (`BootstrapInterval`).
    public var mIoUInterval: BootstrapInterval
    /// Mean Dice over regions (under `clicks`: after the first click).
    public var mDice: Double
    /// Mean Dice + CE loss over regions (under `clicks`: of the first click's prediction).
    public var meanLoss: Double
    /// The `clicks` protocol's metrics (nil under the others).
    public var interactive: InteractiveSummary?
    /// The per-region CSV written, if any.
    public var csv: String?
    /// Wall-clock seconds since `start`.
    public var seconds: Double
}

/// The metrics of the `clicks` protocol (`InteractiveResult`), as `aims eval --json` reports them.
public struct InteractiveSummary: Codable, Sendable, Equatable {
    /// mIoU over objects after `clicks` clicks, with its bootstrap interval over images.
    public struct Point: Codable, Sendable, Equatable {
        public var clicks: Int
        public var mIoU: Double
        public var interval: BootstrapInterval
    }

    /// Clicks per object (K).
    public var maxClicks: Int
    /// Whether the previous prediction's mask logits were fed back as SAM's mask prompt.
    public var maskPrompt: Bool
    /// Mean clicks to reach IoU ≥ 0.85 and ≥ 0.90 (K for an object that never does).
    public var noc85: Double
    public var noc90: Double
    /// Objects that never reach 0.85 / 0.90 within K clicks.
    public var notReached85: Int
    public var notReached90: Int
    /// mIoU after 1, 3 and 5 clicks (those ≤ K).
    public var afterClicks: [Point]
    /// Mean IoU after k = 1…K clicks (element k − 1).
    public var curve: [Double]

    /// The summary of `result`, intervals as `interval(values, images)` gives them.
    public init(_ result: InteractiveResult, interval: ([Double], [Int]) -> BootstrapInterval) {
        let sequences = result.sequences, k = result.maxClicks, images = result.regions.map(\.exampleIndex)
        maxClicks = k
        maskPrompt = result.maskPrompt
        noc85 = NumberOfClicks.mean(toReach: 0.85, sequences: sequences, maxClicks: k)
        noc90 = NumberOfClicks.mean(toReach: 0.9, sequences: sequences, maxClicks: k)
        notReached85 = NumberOfClicks.notReached(0.85, sequences: sequences)
        notReached90 = NumberOfClicks.notReached(0.9, sequences: sequences)
        let curve = result.curve
        self.curve = curve
        afterClicks = [1, 3, 5].filter { $0 <= k }.map { c in
            Point(clicks: c, mIoU: curve[c - 1], interval: interval(result.ious(afterClicks: c), images))
        }
    }

    /// `"NoC@85 3.40, NoC@90 5.10 (of at most 20 clicks; 2 / 4 objects never reach 0.85 / 0.90); mIoU after 1 / 3 / 5 clicks 0.4123 / …"`.
    public var text: String {
        var s = String(format: "NoC@85 %.2f, NoC@90 %.2f (at most %d clicks per object; %d / %d objects never reach 0.85 / 0.90)",
                       noc85, noc90, maxClicks, notReached85, notReached90)
        s += "; mIoU after " + afterClicks.map { "\($0.clicks)" }.joined(separator: " / ") + " clicks "
        s += afterClicks.map { String(format: "%.4f [%.4f, %.4f]", $0.mIoU, $0.interval.lower, $0.interval.upper) }.joined(separator: " / ")
        return s + (maskPrompt ? "; previous mask fed back as mask prompt" : "; clicks only: the model takes no mask prompt")
    }
}
