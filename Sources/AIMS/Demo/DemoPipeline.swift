import Foundation
import SimCMF
import TensorCore
import TensorFiles

/// `aims demo` as a library use case: the whole AIMS pipeline on LiteMedSAM, each step the library call behind the
/// `aims` command a user would type (the event stream names that command):
/// 1. synthetic zju-rgbp polarization scenes (`SynthDatasetWriter`), 2. their manifest (`ManifestBuilder`),
/// 3. zero-shot LiteMedSAM (`EvaluationRun.pretrained`), 4. LiteMedSAM from scratch and 5. SimCMF (gated channel
/// alignment + LoRA) on pretrained LiteMedSAM (`TrainingRun`), each scored on the test split under the reference
/// protocol and, with a few clicks per object, the interactive one, and 6. `report.html` with `results.json`
/// (`DemoReport`).
public enum DemoPipeline {
    public struct Settings: Sendable {
        /// The output folder: data/, aims/zju-rgbp.json, runs/<method>/, eval/<method>/, report.html, results.json.
        public var out: URL
        /// The LiteMedSAM checkpoint.
        public var weights: URL
        public var scenes: Int
        /// Epochs of each trained method.
        public var epochs: Int
        /// The seed of the scenes, splits and training.
        public var seed: UInt64
        /// Replace a non-empty `out`.
        public var force: Bool
        /// Clicks per object of the interactive protocol run on each compared method (the CLI's default is 20; the
        /// demo keeps its cost low).
        public var clicks: Int

        public init(out: URL, weights: URL, scenes: Int = 32, epochs: Int = 3, seed: UInt64 = 7, force: Bool = false, clicks: Int = 5) {
            self.out = out; self.weights = weights; self.scenes = scenes; self.epochs = epochs; self.seed = seed; self.force = force
            self.clicks = clicks
        }
    }

    /// What the pipeline is doing (`PipelineEvent`).
    public typealias Event = PipelineEvent

    /// Runs the pipeline into `settings.out` and writes `report.html` and `results.json` there.
    /// - Throws: `DemoError.outputExists` for a non-empty folder without `force`; any step's error as is.
    public static func run(_ settings: Settings, observe: @escaping (Event) -> Void = { _ in }) throws -> DemoResults {
        let out = settings.out, seed = settings.seed, epochs = settings.epochs
        guard FileManager.default.fileExists(atPath: settings.weights.path) else {
            throw RunOptionError(message: "--weights \(settings.weights.path): no such file (run scripts/fetch-weights, or make weights)")
        }
        try prepare(out, force: settings.force)
        let start = Date()
        let serial = SerialObserver(observe)
        let observe = serial.send
        let steps = PipelineSteps(out: out, weights: settings.weights, seed: seed, observer: serial)

        // 1–2. Data and manifest.
        observe(.stage(index: 1, count: 6, title: "synthetic polarization scenes"))
        var synth = SynthOptions()
        synth.conventions = [.zju]
        try steps.synthesize(scenes: settings.scenes, options: synth, folder: "data")
        observe(.stage(index: 2, count: 6, title: "manifest"))
        let manifest = try steps.buildManifest(dataset: "zju-rgbp", modality: "zju-rgbp", root: "data/zju-rgbp", manifest: "aims/zju-rgbp.json")

        // 3–6. Methods, each scored on the manifest's test split (the compared ones also under the clicks protocol).
        func train(_ slug: String, initialization: ModelFactory.Initialization, strategy: String) throws -> (run: TrainedRun, test: DemoResults.Test) {
            try steps.train(slug, manifest: manifest, .init(initialization: initialization, strategy: strategy, epochs: epochs), clicks: settings.clicks)
        }
        observe(.stage(index: 3, count: 6, title: "zero-shot LiteMedSAM"))
        let zeroShotClick = try steps.zeroShot("zero-shot", manifest: manifest, prompt: .click, clicks: settings.clicks)
        let zeroShotBox = try steps.zeroShot("zero-shot-box", manifest: manifest, prompt: .box)
        observe(.stage(index: 4, count: 6, title: "LiteMedSAM from scratch"))
        let scratch = try train("from-scratch", initialization: .scratch, strategy: "full")
        observe(.stage(index: 5, count: 6, title: "SimCMF + LoRA on pretrained LiteMedSAM"))
        let simcmf = try train("simcmf-lora", initialization: .pretrained, strategy: "lora")

        observe(.stage(index: 6, count: 6, title: "report"))
        let compared = [MethodRow("zero-shot", "zero-shot", "#888888", zeroShotClick, nil),
                        MethodRow("from scratch", "from-scratch", "#d9534f", scratch.test, scratch.run),
                        MethodRow("SimCMF + LoRA", "simcmf-lora", "#1f77b4", simcmf.test, simcmf.run)]
        let reference = [MethodRow("zero-shot, box prompt", "zero-shot-box", "#bbbbbb", zeroShotBox, nil)]
        let methods = compared.map(\.method), context = reference.map(\.method)
        let trained = simcmf.run
        let verdict = DemoResults.verdict(methods, trainingImages: trained.trainingSamples, epochs: trained.epochsCompleted)
        let report = DemoReport(
            title: "aims demo: SimCMF on a synthetic AIMS polarization set (LiteMedSAM)",
            settings: [("seed", "\(seed)"), ("scenes", "\(settings.scenes) (synthetic, zju-rgbp convention, 9 channels: I, AoLP, DoLP per colour)"),
                       ("training / validation images", "\(trained.trainingSamples) / \(trained.validationSamples)"),
                       ("test images / regions", "\(simcmf.test.images) / \(simcmf.test.regions)"),
                       ("epochs, batch", "\(epochs), \(PipelineSteps.batchSize)"), ("weights", settings.weights.path),
                       ("clicks protocol", "at most \(settings.clicks) clicks per object (aims eval --protocol clicks defaults to 20)"),
                       ("wall time", DurationText.format(Date().timeIntervalSince(start)))],
            methods: try compared.map { try $0.reportRow(in: out) },
            context: try reference.map { try $0.reportRow(in: out) },
            contextNote: "Not part of the comparison: LiteMedSAM was trained with box prompts only, so under the SimCMF click "
                + "protocol its zero-shot masks are near empty; with the region's bounding box (computed from the ground truth, "
                + "which tells the model where and how large the object is) it segments without seeing the polarization channels.",
            verdict: verdict.text)
        let reportURL = steps.path("report.html")
        try report.write(to: reportURL)
        let results = DemoResults(seed: seed, scenes: settings.scenes, epochs: epochs, trainingImages: trained.trainingSamples,
                                  validationImages: trained.validationSamples, methods: methods, context: context,
                                  simcmfBeatsBaselines: verdict.beats, verdict: verdict.text, report: reportURL.path,
                                  seconds: Date().timeIntervalSince(start))
        try AtomicFile.write(try PipelineSteps.json(results), to: steps.path("results.json"))
        return results
    }

    /// Creates `out`, refusing a non-empty one unless `force` (which empties it).
    static func prepare(_ out: URL, force: Bool) throws {
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: out.path), !contents.isEmpty {
            guard force else { throw DemoError.outputExists(folder: out.path) }
            try fm.removeItem(at: out)
        }
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
    }
}

/// Errors of `aims demo` that are not a step's own.
public enum DemoError: Error, LocalizedError, Equatable {
    case outputExists(folder: String)

    public var errorDescription: String? {
        switch self {
        case let .outputExists(folder): return "\(folder): the output folder is not empty (pass --force to replace it)"
        }
    }
}
