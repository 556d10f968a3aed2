import Foundation
import SimCMF
import TensorFiles

/// The steps `aims demo` and `aims benchmark` are made of, each the library call behind an `aims` command (the
/// event stream prints that command): synthesize scenes, build a manifest, score zero-shot weights, train and score
/// a run. Paths are relative to `out`. Every step leaves a record when it finishes (`synth.json`, the manifest,
/// `eval/<slug>/scores.json`, `runs/<slug>/trained.json`) and is skipped when its record exists, and an interrupted
/// training run resumes from its last checkpoint, so a pipeline started again continues where it stopped.
struct PipelineSteps {
    var out: URL
    var weights: URL
    var seed: UInt64
    /// Where the steps' events go (one at a time: the scene writer and the manifest builder report from workers).
    var observer: SerialObserver

    func observe(_ event: PipelineEvent) { observer.send(event) }

    /// The settings of every trained method: batch 4 unless the spec says otherwise, validation before every epoch
    /// and after the last, inputs min-max scaled to [0, 1] (the range LiteMedSAM was trained on).
    static let batchSize = 4, learningRate = 1e-3, normalize = "range"

    func path(_ p: String) -> URL { out.appendingPathComponent(p) }

    /// `scenes` scenes of `seed` with `options` into `folder` (relative), unless its `synth.json` records exactly
    /// these; a folder holding something else is refused (`SynthError.outputNotEmpty`).
    func synthesize(scenes: Int, options: SynthOptions, folder: String) throws {
        let root = path(folder)
        if let data = FileManager.default.contents(atPath: root.appendingPathComponent("synth.json").path),
           let done = try? JSONDecoder().decode(SynthDatasetWriter.Manifest.self, from: data),
           done.seed == seed, done.scenes == scenes, done.options == options {
            observe(.note("aims synth: \(root.path) holds these scenes already; skipped"))
            return
        }
        let conventions = options.conventions.map(\.rawValue).joined(separator: ",")
        observe(.command("aims synth --out \(root.path) --scenes \(scenes) --seed \(seed) --conventions \(conventions)"
                         + (options.cue.map { " --cue \($0.rawValue)" } ?? "")))
        observe(.count(label: "aims synth", done: 0, total: scenes, unit: "scene"))
        let observer = self.observer
        _ = try SynthDatasetWriter(seed: seed, options: options).write(scenes: scenes, to: root) { done in
            observer.send(.count(label: "aims synth", done: done, total: scenes, unit: "scene"))
        }
    }

    /// The manifest `manifest` (relative) of `root` (relative) read with `dataset`'s layout as `modality`, with a
    /// validation split carved from the training split (`validationFraction`), unless it exists.
    func buildManifest(dataset: String, modality: String, root: String, manifest: String, validationFraction: Double = 0.2) throws -> URL {
        let url = path(manifest)
        if FileManager.default.fileExists(atPath: url.path) {
            observe(.note("aims build: \(url.path) exists; skipped"))
            return url
        }
        observe(.command("aims build \(path(root).path) --dataset \(dataset) --modality \(modality) --out \(url.path) --val-fraction \(validationFraction)"))
        var builder = ManifestBuilder(layout: try DatasetLayouts.layout(dataset), modality: try DatasetSelection.modality(modality, plugin: nil),
                                      root: path(root), manifest: url)
        builder.validationFraction = validationFraction
        let observer = self.observer
        builder.progress = { done, total in observer.send(.count(label: "build: hash + decode", done: done, total: total, unit: "sample")) }
        let built = try builder.build()
        for issue in built.report.problems { observe(.note("aims build: " + issue.line)) }
        try built.write(to: url)
        return url
    }

    /// The manifest's test split, every file checked against its SHA-256.
    func testSplit(_ manifest: URL) throws -> (selection: ManifestSelection, split: String, ids: [String]) {
        let selection = try ManifestSelection.load(manifest.path, data: nil, modality: nil, plugin: nil)
        let test = try EvaluationRun.manifestSplit(selection, split: "test")
        return (selection, test.name, test.ids)
    }

    /// `eval/<slug>/scores.json` when an earlier invocation scored `slug`.
    func recordedScores(_ slug: String) -> DemoResults.Test? {
        guard let data = FileManager.default.contents(atPath: path("eval/\(slug)/scores.json").path) else { return nil }
        return try? JSONDecoder().decode(DemoResults.Test.self, from: data)
    }

    /// Scores `run` on the test split under the reference protocol (or `prompt`'s) with overlays and the per-region
    /// CSV, and under the clicks protocol when `clicks` is given; records the scores in `eval/<slug>/scores.json`.
    /// `command` is the `aims eval` line without its outputs.
    func evaluate(_ slug: String, _ run: EvaluationRun, manifest: URL, command: String, prompt: PromptKind = .click,
                  clicks: Int? = nil) throws -> DemoResults.Test {
        let folder = path("eval/\(slug)")
        observe(.command(command + (prompt == .box ? " --prompt box" : "") + " --manifest \(manifest.path) --split test"
                         + " --overlays \(folder.appendingPathComponent("overlays").path) --csv \(folder.appendingPathComponent("regions.csv").path)"))
        observe(.note("aims eval: \(run.modelDescription); \(run.source.count) samples of \(run.source.modality.identifier) "
                      + "at \(run.model.inputSize)x\(run.model.inputSize)"))
        func counted(_ done: Int, _ total: Int) { observe(.count(label: "eval", done: done, total: total, unit: "img")) }
        counted(0, run.source.count)
        var scores = DemoResults.Test(try run.score(prompt == .box ? .box : .reference, prompt: prompt, overlays: folder.appendingPathComponent("overlays"),
                                                    csv: folder.appendingPathComponent("regions.csv"), progress: counted))
        if let clicks, prompt == .click {
            let csv = folder.appendingPathComponent("clicks.csv")
            observe(.command(command + " --manifest \(manifest.path) --split test --protocol clicks --clicks \(clicks) --csv \(csv.path)"))
            counted(0, run.source.count)
            scores.clicks = try run.score(.clicks, maxClicks: clicks, overlays: nil, csv: csv, progress: counted).interactive
        }
        try AtomicFile.write(try Self.json(scores), to: folder.appendingPathComponent("scores.json"))
        return scores
    }

    /// Pretrained weights with no trained alignment (`--alignment zeroshot`) on the test split of `manifest`.
    func zeroShot(_ slug: String, manifest: URL, prompt: PromptKind = .click, clicks: Int? = nil) throws -> DemoResults.Test {
        if let done = recordedScores(slug) { observe(.note("aims eval: \(slug) scored already; skipped")); return done }
        let run = try EvaluationRun.pretrained(weights: weights, alignment: .zeroshot, imageSize: nil, manifest: try testSplit(manifest),
                                               modality: nil, plugin: nil, data: nil, normalize: Self.normalize)
        return try evaluate(slug, run, manifest: manifest, command: "aims eval --weights \(weights.path) --alignment zeroshot --normalize \(Self.normalize)",
                            prompt: prompt, clicks: clicks)
    }

    /// What a trained method is: initial weights, alignment, strategy, the manifest's nested training subset.
    struct Training {
        var initialization: ModelFactory.Initialization = .pretrained
        var alignment: AlignmentKind = .simcmf
        var strategy: String
        /// Percent of the training split (the manifest's nested subsets); nil: all of it.
        var fraction: Int?
        var epochs: Int
        /// Examples per optimiser step.
        var batch: Int = PipelineSteps.batchSize
    }

    /// Trains `spec` on `manifest` in `runs/<slug>` (resuming an interrupted run, skipping a finished one) and scores
    /// its best-on-validation checkpoint on the test split.
    func train(_ slug: String, manifest: URL, _ spec: Training, clicks: Int? = nil) throws -> (run: TrainedRun, test: DemoResults.Test) {
        let folder = path("runs/\(slug)"), record = folder.appendingPathComponent("trained.json")
        let trained: TrainedRun
        if let data = FileManager.default.contents(atPath: record.path), let done = try? JSONDecoder().decode(TrainedRun.self, from: data) {
            observe(.note("aims train: \(folder.path) finished already; skipped"))
            trained = done
        } else {
            let resuming = FileManager.default.fileExists(atPath: RunRecord.url(in: folder).path)
            observe(.command(resuming ? "aims train --out \(folder.path) --resume --epochs \(spec.epochs)"
                             : "aims train --manifest \(manifest.path) --weights \(weights.path) --out \(folder.path) --epochs \(spec.epochs) "
                             + "--batch \(spec.batch) --validate-every 1 --validate-last --normalize \(Self.normalize) --seed \(seed)"
                             + (spec.initialization == .scratch ? " --init scratch" : "") + " --alignment \(spec.alignment.rawValue)"
                             + " --strategy \(spec.strategy) --lr 1e-3" + (spec.fraction.map { " --fraction \($0)" } ?? "")))
            let run: TrainingRun
            if resuming {
                run = try TrainingRun.resume(folder, modality: nil, plugin: nil, data: nil)
            } else {
                var options = TrainingRun.NewRunOptions(weights: weights)
                options.manifest = manifest.path
                options.alignment = spec.alignment.rawValue
                options.strategy = spec.strategy
                options.seed = seed
                options.normalize = Self.normalize
                options.initialization = spec.initialization.rawValue
                options.fraction = spec.fraction
                run = try TrainingRun.create(in: folder, options: options)
            }
            var configuration = TrainingConfiguration()
            configuration.batchSize = spec.batch
            configuration.learningRate = Float(Self.learningRate)
            configuration.validationInterval = 1
            configuration.validatesAfterLastEpoch = true
            let observer = self.observer
            let summary = try run.train(configuration: configuration, epochs: spec.epochs, embeddingCacheBytes: nil, start: Date(),
                                        log: { observer.send(.note("aims train: " + $0)) },
                                        progress: { observer.send(.training($0, epochs: $1)) })
            trained = TrainedRun(summary)
            try AtomicFile.write(try Self.json(trained), to: record)
        }
        if let done = recordedScores(slug) { observe(.note("aims eval: \(slug) scored already; skipped")); return (trained, done) }
        let run = try EvaluationRun.fromRun(folder, checkpoint: nil, manifest: try testSplit(manifest), modality: nil, plugin: nil, data: nil, split: nil)
        return (trained, try evaluate(slug, run, manifest: manifest, command: "aims eval --run \(folder.path)", clicks: clicks))
    }

    /// Sorted-key, pretty JSON.
    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
