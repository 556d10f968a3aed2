import Foundation

/// What `aims benchmark` reports: `results.json` next to `report.html` (the same numbers).
public struct BenchmarkResults: Codable, Sendable {
    /// One modality's table: its methods on its test split.
    public struct ModalityResult: Codable, Sendable {
        public var id: String
        public var name: String
        public var dataset: String
        public var cue: String
        /// Which physical cue separates the objects, and in which channels.
        public var cueExplanation: String
        public var channels: [String]
        public var trainingImages: Int
        public var validationImages: Int
        /// zero-shot, from scratch, SimCMF + LoRA (compared), then any further strategies.
        public var methods: [DemoResults.Method]
        /// Whether SimCMF + LoRA beats zero-shot and from scratch on test mIoU.
        public var simcmfBeatsBaselines: Bool
        public var verdict: String
        /// One picture per channel of the first test sample, and its labels.
        var samples: [ChannelSamples.Picture]
    }

    /// A method's mean over the modalities that ran it.
    public struct MeanRow: Codable, Sendable {
        public var method: String
        public var mIoU: Double
        public var mDice: Double
        public var modalities: Int
    }

    /// The noise control: an RGB-X modality with its X files replaced by noise.
    public struct Control: Codable, Sendable {
        public var modality: String
        public var description: String
        public var files: Int
        /// On the real data (from the modality's table) and on the noise copy.
        public var real: [DemoResults.Method]
        public var noise: [DemoResults.Method]
        /// SimCMF's test mIoU minus zero-shot's, on the real data and on the noise copy.
        public var realGain: Double
        public var noiseGain: Double
        public var verdict: String
    }

    /// One ablation setting (alignment module or data fraction) of SimCMF + LoRA on one modality.
    public struct AblationRow: Codable, Sendable {
        /// `alignment` or `data fraction`.
        public var group: String
        public var setting: String
        public var method: DemoResults.Method?
        /// Why the setting was not run (nil when it ran).
        public var note: String?
    }

    public var command: String
    public var quick: Bool
    public var seed: UInt64
    /// Scenes of each cue's dataset, and epochs of each trained method.
    public var scenes: Int
    public var epochs: Int
    public var modalities: [ModalityResult]
    public var means: [MeanRow]
    /// The paper's means (percent) on the real datasets, for context only.
    public var paperZeroShotMean: Double
    public var paperSimCMFMean: Double
    public var control: Control?
    public var ablationModality: String?
    public var ablations: [AblationRow]
    public var report: String
    public var seconds: Double
}
