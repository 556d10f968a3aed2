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

    /// What the pipeline is doing, for a progress display.
    public enum Event {
        /// Step `index` of `count` begins.
        case stage(index: Int, count: Int, title: String)
        /// The `aims` command line that does what the next call does.
        case command(String)
        /// A human-readable note (loading, a manifest problem, a checkpoint written).
        case note(String)
        /// `done` of `total` items of a step (scenes, samples, images); `done` 0 when a step starts counting.
        case count(label: String, done: Int, total: Int, unit: String)
        /// A training step of a trained method, with the epochs configured.
        case training(TrainingProgress, epochs: Int)
    }

    /// The settings of both trained methods: batch 4, validation before every epoch and after the last, inputs
    /// min-max scaled to [0, 1] (the range LiteMedSAM was trained on).
    static let batchSize = 4, learningRate = 1e-3, normalize = "range"

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
        func path(_ p: String) -> URL { out.appendingPathComponent(p) }

        // 1–2. Data and manifest.
        observe(.stage(index: 1, count: 6, title: "synthetic polarization scenes"))
        observe(.command("aims synth --out \(path("data").path) --scenes \(settings.scenes) --seed \(seed) --conventions zju"))
        observe(.count(label: "aims synth", done: 0, total: settings.scenes, unit: "scene"))
        var synth = SynthOptions()
        synth.conventions = [.zju]
        _ = try SynthDatasetWriter(seed: seed, options: synth).write(scenes: settings.scenes, to: path("data")) { done in
            observe(.count(label: "aims synth", done: done, total: settings.scenes, unit: "scene"))
        }
        observe(.stage(index: 2, count: 6, title: "manifest"))
        let manifest = path("aims/zju-rgbp.json")
        observe(.command("aims build \(path("data/zju-rgbp").path) --dataset zju-rgbp --modality zju-rgbp --out \(manifest.path) --val-fraction 0.2"))
        var builder = ManifestBuilder(layout: try DatasetLayouts.layout("zju-rgbp"), modality: try DatasetSelection.modality("zju-rgbp", plugin: nil),
                                      root: path("data/zju-rgbp"), manifest: manifest)
        builder.validationFraction = 0.2
        builder.progress = { done, total in observe(.count(label: "build: hash + decode", done: done, total: total, unit: "sample")) }
        let built = try builder.build()
        for issue in built.report.problems { observe(.note("aims build: " + issue.line)) }
        try built.write(to: manifest)

        // 3–6. Methods, each scored on the manifest's test split.
        let selection = try ManifestSelection.load(manifest.path, data: nil, modality: nil, plugin: nil)
        let testSplit = try EvaluationRun.manifestSplit(selection, split: "test")
        let test = (selection: selection, split: testSplit.name, ids: testSplit.ids)
        /// Scores `run` under the reference protocol (or `prompt`'s) with overlays and CSV; a compared method also
        /// under the clicks protocol (`settings.clicks` per object). `command` is the `aims eval` line without outputs.
        func evaluate(_ slug: String, _ run: EvaluationRun, command: String, prompt: PromptKind = .click) throws -> DemoResults.Test {
            observe(.command(command + (prompt == .box ? " --prompt box" : "") + " --manifest \(manifest.path) --split test"
                             + " --overlays \(path("eval/\(slug)/overlays").path) --csv \(path("eval/\(slug)/regions.csv").path)"))
            observe(.note("aims eval: \(run.modelDescription); \(run.source.count) samples of \(run.source.modality.identifier) "
                          + "at \(run.model.inputSize)x\(run.model.inputSize)"))
            func counted(_ done: Int, _ total: Int) { observe(.count(label: "eval", done: done, total: total, unit: "img")) }
            counted(0, run.source.count)
            var scores = DemoResults.Test(try run.score(prompt == .box ? .box : .reference, prompt: prompt, overlays: path("eval/\(slug)/overlays"),
                                                        csv: path("eval/\(slug)/regions.csv"), progress: counted))
            guard prompt == .click else { return scores }
            let clicks = path("eval/\(slug)/clicks.csv")
            observe(.command(command + " --manifest \(manifest.path) --split test --protocol clicks --clicks \(settings.clicks) --csv \(clicks.path)"))
            counted(0, run.source.count)
            scores.clicks = try run.score(.clicks, maxClicks: settings.clicks, overlays: nil, csv: clicks, progress: counted).interactive
            return scores
        }
        func zeroShot(_ slug: String, prompt: PromptKind) throws -> DemoResults.Test {
            let run = try EvaluationRun.pretrained(weights: settings.weights, alignment: .zeroshot, imageSize: nil, manifest: test,
                                                   modality: nil, plugin: nil, data: nil, normalize: normalize)
            return try evaluate(slug, run, command: "aims eval --weights \(settings.weights.path) --alignment zeroshot --normalize \(normalize)",
                                prompt: prompt)
        }
        func train(_ slug: String, initialization: ModelFactory.Initialization, strategy: String) throws -> (TrainingRunSummary, DemoResults.Test) {
            let folder = path("runs/\(slug)")
            observe(.command("aims train --manifest \(manifest.path) --weights \(settings.weights.path) --out \(folder.path) --epochs \(epochs) "
                             + "--batch \(batchSize) --validate-every 1 --validate-last --normalize \(normalize) --seed \(seed)"
                             + (initialization == .scratch ? " --init scratch" : "") + " --alignment simcmf --strategy \(strategy) --lr 1e-3"))
            var options = TrainingRun.NewRunOptions(weights: settings.weights)
            options.manifest = manifest.path
            options.alignment = AlignmentKind.simcmf.rawValue
            options.strategy = strategy
            options.seed = seed
            options.normalize = normalize
            options.initialization = initialization.rawValue
            var configuration = TrainingConfiguration()
            configuration.batchSize = batchSize
            configuration.learningRate = Float(learningRate)
            configuration.validationInterval = 1
            configuration.validatesAfterLastEpoch = true
            let summary = try TrainingRun.create(in: folder, options: options)
                .train(configuration: configuration, epochs: epochs, embeddingCacheBytes: nil, start: Date(),
                       log: { observe(.note("aims train: " + $0)) }, progress: { observe(.training($0, epochs: $1)) })
            let run = try EvaluationRun.fromRun(folder, checkpoint: nil, manifest: test, modality: nil, plugin: nil, data: nil, split: nil)
            return (summary, try evaluate(slug, run, command: "aims eval --run \(folder.path)"))
        }
        observe(.stage(index: 3, count: 6, title: "zero-shot LiteMedSAM"))
        let zeroShotClick = try zeroShot("zero-shot", prompt: .click)
        let zeroShotBox = try zeroShot("zero-shot-box", prompt: .box)
        observe(.stage(index: 4, count: 6, title: "LiteMedSAM from scratch"))
        let scratch = try train("from-scratch", initialization: .scratch, strategy: "full")
        observe(.stage(index: 5, count: 6, title: "SimCMF + LoRA on pretrained LiteMedSAM"))
        let simcmf = try train("simcmf-lora", initialization: .pretrained, strategy: "lora")

        observe(.stage(index: 6, count: 6, title: "report"))
        let compared = [Row("zero-shot", "zero-shot", "#888888", zeroShotClick, nil),
                        Row("from scratch", "from-scratch", "#d9534f", scratch.1, scratch.0),
                        Row("SimCMF + LoRA", "simcmf-lora", "#1f77b4", simcmf.1, simcmf.0)]
        let reference = [Row("zero-shot, box prompt", "zero-shot-box", "#bbbbbb", zeroShotBox, nil)]
        let methods = compared.map(\.method), context = reference.map(\.method)
        let trained = simcmf.0
        let verdict = DemoResults.verdict(methods, trainingImages: trained.trainingSamples, epochs: trained.epochsCompleted)
        let report = DemoReport(
            title: "aims demo: SimCMF on a synthetic AIMS polarization set (LiteMedSAM)",
            settings: [("seed", "\(seed)"), ("scenes", "\(settings.scenes) (synthetic, zju-rgbp convention, 9 channels: I, AoLP, DoLP per colour)"),
                       ("training / validation images", "\(trained.trainingSamples) / \(trained.validationSamples)"),
                       ("test images / regions", "\(simcmf.1.images) / \(simcmf.1.regions)"),
                       ("epochs, batch", "\(epochs), \(batchSize)"), ("weights", settings.weights.path),
                       ("clicks protocol", "at most \(settings.clicks) clicks per object (aims eval --protocol clicks defaults to 20)"),
                       ("wall time", DurationText.format(Date().timeIntervalSince(start)))],
            methods: try compared.map { try $0.reportRow(in: out) },
            context: try reference.map { try $0.reportRow(in: out) },
            contextNote: "Not part of the comparison: LiteMedSAM was trained with box prompts only, so under the SimCMF click "
                + "protocol its zero-shot masks are near empty; with the region's bounding box (computed from the ground truth, "
                + "which tells the model where and how large the object is) it segments without seeing the polarization channels.",
            verdict: verdict.text)
        let reportURL = path("report.html")
        try report.write(to: reportURL)
        let results = DemoResults(seed: seed, scenes: settings.scenes, epochs: epochs, trainingImages: trained.trainingSamples,
                                  validationImages: trained.validationSamples, methods: methods, context: context,
                                  simcmfBeatsBaselines: verdict.beats, verdict: verdict.text, report: reportURL.path,
                                  seconds: Date().timeIntervalSince(start))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(results), to: path("results.json"))
        return results
    }

    /// A method's result, its folders' name (`eval/<slug>`, `runs/<slug>` when trained) and its colour.
    struct Row {
        var method: DemoResults.Method
        var slug: String
        var colour: String

        init(_ name: String, _ slug: String, _ colour: String, _ test: DemoResults.Test, _ run: TrainingRunSummary?) {
            method = DemoResults.Method(name: name, model: run?.model ?? test.model, trainableValues: run?.trainableValues ?? 0,
                                        trainingSeconds: run?.seconds, bestValidationMIoU: run?.bestValidationMIoU, test: test)
            self.slug = slug; self.colour = colour
        }

        /// The report's row: the run's curves when trained, the first six overlays.
        func reportRow(in out: URL) throws -> DemoReport.Method {
            let m = method
            let overlays = overlayFiles(in: out.appendingPathComponent("eval/\(slug)/overlays"), limit: 6).map { "eval/\(slug)/overlays/" + $0 }
            return DemoReport.Method(name: m.name, description: m.model, trainableValues: m.trainableValues, trainingSeconds: m.trainingSeconds,
                                     testMIoU: m.test.mIoU, testInterval: m.test.mIoUInterval, testMDice: m.test.mDice, testRegions: m.test.regions,
                                     bestValidationMIoU: m.bestValidationMIoU,
                                     metrics: m.trainingSeconds == nil ? nil : try RunMetrics.read(runFolder: out.appendingPathComponent("runs/\(slug)")),
                                     overlays: overlays, clicks: m.test.clicks, colour: colour)
        }
    }

    /// Sorted PNG names in `folder`, at most `limit`.
    static func overlayFiles(in folder: URL, limit: Int) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return Array(names.filter { $0.hasSuffix(".png") }.sorted().prefix(limit))
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

/// Forwards events one at a time: the scene writer and the manifest builder report from worker threads.
private final class SerialObserver: @unchecked Sendable {
    private let observe: (DemoPipeline.Event) -> Void
    private let lock = NSLock()

    init(_ observe: @escaping (DemoPipeline.Event) -> Void) { self.observe = observe }

    func send(_ event: DemoPipeline.Event) { lock.withLock { observe(event) } }
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
