import Foundation
import SimCMF

/// What `aims demo` reports: `results.json`, and `aims demo --json` on stdout.
public struct DemoResults: Codable, Sendable {
    /// A method's test scores (the evaluation's fields the demo keeps).
    public struct Test: Codable, Sendable {
        public var mIoU: Double
        public var mDice: Double
        public var regions: Int
        public var images: Int
        public var model: String
        public var seconds: Double
        /// The 95 % bootstrap interval of `mIoU` over the test images.
        public var mIoUInterval: BootstrapInterval?
        /// The clicks protocol on the same test split (compared methods only).
        public var clicks: InteractiveSummary?

        public init(mIoU: Double, mDice: Double, regions: Int, images: Int, model: String, seconds: Double,
                    mIoUInterval: BootstrapInterval? = nil, clicks: InteractiveSummary? = nil) {
            self.mIoU = mIoU; self.mDice = mDice; self.regions = regions; self.images = images; self.model = model; self.seconds = seconds
            self.mIoUInterval = mIoUInterval; self.clicks = clicks
        }

        init(_ s: EvaluationSummary) {
            self.init(mIoU: s.mIoU, mDice: s.mDice, regions: s.regions, images: s.images, model: s.model, seconds: s.seconds,
                      mIoUInterval: s.mIoUInterval)
        }
    }

    public struct Method: Codable, Sendable {
        public var name: String
        public var model: String
        /// Values trained (0 for a zero-shot method).
        public var trainableValues: Int
        public var trainingSeconds: Double?
        public var bestValidationMIoU: Double?
        /// Images trained on (nil for a zero-shot method).
        public var trainingImages: Int?
        public var test: Test

        public init(name: String, model: String, trainableValues: Int, trainingSeconds: Double?, bestValidationMIoU: Double?,
                    trainingImages: Int? = nil, test: Test) {
            self.name = name; self.model = model; self.trainableValues = trainableValues; self.trainingSeconds = trainingSeconds
            self.bestValidationMIoU = bestValidationMIoU; self.trainingImages = trainingImages; self.test = test
        }
    }

    public var seed: UInt64
    public var scenes: Int
    public var epochs: Int
    public var trainingImages: Int
    public var validationImages: Int
    /// The compared methods; SimCMF last.
    public var methods: [Method]
    /// Reference rows under another protocol (not compared in the verdict).
    public var context: [Method]
    public var simcmfBeatsBaselines: Bool
    public var verdict: String
    /// The HTML report's path.
    public var report: String
    public var seconds: Double

    /// Whether SimCMF (the last method) beats every other method's test mIoU, and a sentence saying so
    /// (or why not), from the numbers alone.
    public static func verdict(_ methods: [Method], trainingImages: Int, epochs: Int) -> (beats: Bool, text: String) {
        guard let simcmf = methods.last else { return (false, "no methods ran") }
        let others = methods.dropLast()
        let margins = others.map { (name: $0.name, delta: simcmf.test.mIoU - $0.test.mIoU) }
        let beats = margins.allSatisfy { $0.delta > 0 }
        let list = margins.map { String(format: "%@ by %+.4f", $0.name, $0.delta) }.joined(separator: ", ")
        let budget = "\(trainingImages) training images × \(epochs) epochs"
        if beats {
            return (true, String(format: "SimCMF + LoRA reaches test mIoU %.4f over %d regions and beats every baseline (%@) after %@.",
                                 simcmf.test.mIoU, simcmf.test.regions, list, budget))
        }
        let losers = margins.filter { $0.delta <= 0 }.map(\.name).joined(separator: " and ")
        return (false, String(format: "SimCMF + LoRA (test mIoU %.4f) does NOT beat %@ (%@) on this run. With %@ on CPU the training budget is "
                              + "tiny next to the reference's 51 epochs at 1024 px; check the loss curves above for whether training had "
                              + "converged, and the per-region CSVs under eval/ for where the masks fail.",
                              simcmf.test.mIoU, losers, list, budget))
    }
}
