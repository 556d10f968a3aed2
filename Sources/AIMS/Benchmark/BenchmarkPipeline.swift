import Foundation
import Modalities
import SimCMF
import TensorFiles

/// `aims benchmark`: SimCMF's AIMS table on physically simulated scenes, on the embedded LiteMedSAM. Per cue
/// (`SynthCue`) one dataset in each modality's own folder convention; per modality its manifest, zero-shot
/// LiteMedSAM, LiteMedSAM from scratch and SimCMF + LoRA (and, outside `--quick`, full fine-tuning and the
/// decoder-only strategy), each scored under the reference protocol on the test split with model selection on the
/// validation split; the noise control; the alignment and data-fraction ablations on one modality; `report.html`
/// and `results.json`. Built from the same steps as `aims demo` (`PipelineSteps`), so an interrupted benchmark
/// started again skips what it finished and resumes the training it was in.
public enum BenchmarkPipeline {
    public struct Settings: Sendable {
        /// data/<cue>/, aims/<modality>.json, runs/<modality>/<method>/, eval/…, samples/…, report.html, results.json.
        public var out: URL
        public var weights: URL
        public var modalities: [String]
        public var quick: Bool
        /// Scenes per cue dataset and epochs per trained method (nil: the preset of `quick`).
        public var scenes: Int?
        public var epochs: Int?
        public var seed: UInt64
        /// Empty `out` first instead of continuing the run recorded there.
        public var force: Bool
        /// The RGB-X modality of the noise control (nil: none).
        public var control: String?
        /// The modality of the ablations (nil: none).
        public var ablation: String?
        /// Also SimCMF with full fine-tuning and decoder-only on every modality (true), on the ablation modality only
        /// (nil: outside `quick`; the hour's budget on 2 cores has room for two more runs, not twenty), or nowhere (false).
        public var moreStrategies: Bool?
        /// How `aims benchmark` was invoked, for the report.
        public var command: String

        public init(out: URL, weights: URL, modalities: [String] = BenchmarkModality.all.map(\.id), quick: Bool = false, scenes: Int? = nil,
                    epochs: Int? = nil, seed: UInt64 = 7, force: Bool = false, control: String? = "rgbnir", ablation: String? = "zju-rgbp",
                    moreStrategies: Bool? = nil, command: String = "aims benchmark") {
            self.out = out; self.weights = weights; self.modalities = modalities; self.quick = quick; self.scenes = scenes; self.epochs = epochs
            self.seed = seed; self.force = force; self.control = control; self.ablation = ablation; self.moreStrategies = moreStrategies
            self.command = command
        }

        /// Scenes per dataset: `--quick` 12, else 32.
        public var sceneCount: Int { scenes ?? (quick ? 12 : 32) }
        /// Epochs per trained method: `--quick` 2, else 3.
        public var epochCount: Int { epochs ?? (quick ? 2 : 3) }
        /// Examples per optimiser step of every trained method: 1. With a few dozen training images, batch 4 leaves
        /// a handful of Adam steps that learn only the mask prior around the click, and the noise control cannot
        /// tell the sensor's channels from noise; one image per step costs the same per image (docs/BENCHMARK.md).
        public static let batchSize = 1
        /// Whether modality `id` also gets SimCMF with full fine-tuning and decoder-only.
        func extraStrategies(_ id: String) -> Bool { moreStrategies ?? (!quick && id == ablation) }
    }

    /// The data fractions of the ablation (the manifest's nested subsets, percent; 100 is the main run).
    static let fractions = [10, 25, 50]

    /// Runs the benchmark into `settings.out` (continuing what an earlier invocation with the same settings left).
    /// - Throws: `BenchmarkError.settingsDiffer` when `out` holds a benchmark with other settings and not `force`;
    ///   `BenchmarkError.unknownModality`; any step's error as is.
    public static func run(_ settings: Settings, observe: @escaping (PipelineEvent) -> Void = { _ in }) throws -> BenchmarkResults {
        guard FileManager.default.fileExists(atPath: settings.weights.path) else {
            throw RunOptionError(message: "--weights \(settings.weights.path): no such file (run scripts/fetch-weights, or make weights)")
        }
        let rows = try settings.modalities.map(BenchmarkModality.named)
        let control = try settings.control.map(BenchmarkModality.named)
        let ablation = try settings.ablation.map(BenchmarkModality.named)
        try prepare(settings)
        let start = Date()
        let serial = SerialObserver(observe)
        let observe = serial.send
        let steps = PipelineSteps(out: settings.out, weights: settings.weights, seed: settings.seed, observer: serial)
        let scenes = settings.sceneCount, epochs = settings.epochCount
        let stageCount = 3 + rows.count + (control == nil ? 0 : 1) + (ablation == nil ? 0 : 1)
        var stage = 0
        func begin(_ title: String) { stage += 1; observe(.stage(index: stage, count: stageCount, title: title)) }

        // 1. One dataset per cue, in the conventions of the modalities that read it.
        begin("synthetic scenes, one set per physical cue")
        let cues = (rows + [control, ablation].compactMap { $0 }).map(\.cue)
        for cue in SynthCue.allCases where cues.contains(cue) {
            var options = SynthOptions()
            options.cue = cue
            options.conventions = BenchmarkModality.conventions(cue)
            try steps.synthesize(scenes: scenes, options: options, folder: "data/\(cue.rawValue)")
        }
        // 2. Manifests.
        begin("manifests")
        var manifests: [String: URL] = [:]
        for m in (rows + [control, ablation].compactMap { $0 }) where manifests[m.id] == nil {
            manifests[m.id] = try steps.buildManifest(dataset: m.dataset, modality: m.id, root: "data/\(m.cue.rawValue)/\(m.root)",
                                                      manifest: "aims/\(m.id).json")
        }

        // 3. Per modality: zero-shot, from scratch, SimCMF + LoRA (+ full, decoder).
        func spec(_ strategy: String, _ initialization: ModelFactory.Initialization = .pretrained, alignment: AlignmentKind = .simcmf,
                  fraction: Int? = nil) -> PipelineSteps.Training {
            .init(initialization: initialization, alignment: alignment, strategy: strategy, fraction: fraction, epochs: epochs,
                  batch: Settings.batchSize)
        }
        var results: [BenchmarkResults.ModalityResult] = []
        var tables: [(BenchmarkModality, [MethodRow])] = []
        for m in rows {
            begin("\(m.id): \(m.name)")
            let manifest = manifests[m.id]!
            let zeroShot = try steps.zeroShot("\(m.id)/zero-shot", manifest: manifest)
            let scratch = try steps.train("\(m.id)/from-scratch", manifest: manifest, spec("full", .scratch))
            let simcmf = try steps.train("\(m.id)/simcmf-lora", manifest: manifest, spec("lora"))
            var table = [MethodRow("zero-shot", "\(m.id)/zero-shot", "#888888", zeroShot, nil),
                         MethodRow("from scratch", "\(m.id)/from-scratch", "#d9534f", scratch.test, scratch.run),
                         MethodRow("SimCMF + LoRA", "\(m.id)/simcmf-lora", "#1f77b4", simcmf.test, simcmf.run)]
            let verdict = DemoResults.verdict(table.map(\.method), trainingImages: simcmf.run.trainingSamples, epochs: simcmf.run.epochsCompleted)
            if settings.extraStrategies(m.id) {
                let full = try steps.train("\(m.id)/simcmf-full", manifest: manifest, spec("full"))
                let decoder = try steps.train("\(m.id)/simcmf-decoder", manifest: manifest, spec("decoder"))
                table += [MethodRow("SimCMF + full fine-tuning", "\(m.id)/simcmf-full", "#2ca02c", full.test, full.run),
                          MethodRow("SimCMF + decoder only", "\(m.id)/simcmf-decoder", "#9467bd", decoder.test, decoder.run)]
            }
            let modality = try DatasetSelection.modality(m.id, plugin: nil)
            results.append(.init(id: m.id, name: m.name, dataset: m.dataset, cue: m.cue.rawValue, cueExplanation: m.cue.explanation,
                                 channels: modality.channels.map { "\($0.name) (\($0.unit))" }, trainingImages: simcmf.run.trainingSamples,
                                 validationImages: simcmf.run.validationSamples, methods: table.map(\.method), simcmfBeatsBaselines: verdict.beats,
                                 verdict: verdict.text, samples: try ChannelSamples.write(manifest: manifest, out: settings.out, folder: "samples/\(m.id)")))
            tables.append((m, table))
        }

        // 4. The noise control.
        var controlResult: BenchmarkResults.Control?
        if let c = control {
            begin("noise control: \(c.id) with its non-RGB channels replaced by noise")
            let folder = "data/control-\(c.id)"
            let copy = settings.out.appendingPathComponent("\(folder)/\(c.root)")
            let manifestPath = "aims/control-\(c.id).json"
            var files = 0
            if !FileManager.default.fileExists(atPath: settings.out.appendingPathComponent(manifestPath).path) {
                observe(.note("noise control: copying \(c.root) and replacing its non-RGB files with seeded uniform noise"))
                files = try NoiseControl.write(root: settings.out.appendingPathComponent("data/\(c.cue.rawValue)/\(c.root)"), copy: copy,
                                               layout: try DatasetLayouts.layout(c.dataset), modality: c.id, seed: settings.seed &+ 0xC0)
            }
            let manifest = try steps.buildManifest(dataset: c.dataset, modality: c.id, root: "\(folder)/\(c.root)", manifest: manifestPath)
            // The real data's zero-shot and SimCMF rows: from the modality's table, or run here (recorded, so shared).
            let realZero = try steps.zeroShot("\(c.id)/zero-shot", manifest: manifests[c.id]!)
            let realSimCMF = try steps.train("\(c.id)/simcmf-lora", manifest: manifests[c.id]!, spec("lora"))
            let real = [MethodRow("zero-shot", "\(c.id)/zero-shot", "#888888", realZero, nil).method,
                        MethodRow("SimCMF + LoRA", "\(c.id)/simcmf-lora", "#1f77b4", realSimCMF.test, realSimCMF.run).method]
            let noiseZero = try steps.zeroShot("control-\(c.id)/zero-shot", manifest: manifest)
            let noiseSimCMF = try steps.train("control-\(c.id)/simcmf-lora", manifest: manifest, spec("lora"))
            let noise = [MethodRow("zero-shot (noise)", "control-\(c.id)/zero-shot", "#888888", noiseZero, nil).method,
                         MethodRow("SimCMF + LoRA (noise)", "control-\(c.id)/simcmf-lora", "#1f77b4", noiseSimCMF.test, noiseSimCMF.run).method]
            controlResult = Self.control(c, files: files, real: real, noise: noise)
        }

        // 5. Ablations on one modality.
        var ablations: [BenchmarkResults.AblationRow] = []
        if let a = ablation {
            begin("ablations on \(a.id): alignment module, data fraction")
            let manifest = manifests[a.id]!
            let main = try steps.train("\(a.id)/simcmf-lora", manifest: manifest, spec("lora"))
            let mainRow = MethodRow("SimCMF + LoRA", "\(a.id)/simcmf-lora", "#1f77b4", main.test, main.run).method
            ablations.append(.init(group: "alignment", setting: "SimCMF (gated pixel mix)", method: mainRow, note: nil))
            let channels = try DatasetSelection.modality(a.id, plugin: nil).channels.count
            if channels != 3 {
                let d = try steps.train("\(a.id)/baseline-d-lora", manifest: manifest, spec("lora", alignment: .baselineD))
                ablations.append(.init(group: "alignment", setting: "baseline d (plain 1×1 mix into the pretrained encoder)",
                                       method: MethodRow("baseline d + LoRA", "\(a.id)/baseline-d-lora", "#ff7f0e", d.test, d.run).method, note: nil))
            }
            for (name, text) in [("a", "a new patch embedding"), ("b", "conv 3×3 → 1×1 into a copy of the patch embedding"),
                                 ("c", "1×1 into a copy of the patch embedding")] {
                ablations.append(.init(group: "alignment", setting: "baseline \(name) (\(text))", method: nil,
                                       note: "not applicable to LiteMedSAM: TinyViT starts with convolutions, not a linear patch embedding to replace or copy (ModelBuilder.tinyViTSAM)"))
            }
            for f in fractions {
                let r = try steps.train("\(a.id)/simcmf-lora-\(f)pct", manifest: manifest, spec("lora", fraction: f))
                ablations.append(.init(group: "data fraction", setting: "\(f) %",
                                       method: MethodRow("SimCMF + LoRA, \(f) %", "\(a.id)/simcmf-lora-\(f)pct", "#1f77b4", r.test, r.run).method, note: nil))
            }
            ablations.append(.init(group: "data fraction", setting: "100 %", method: mainRow, note: nil))
        }

        // 6. Report.
        begin("report")
        let reportURL = steps.path("report.html")
        var summary = BenchmarkResults(command: settings.command, quick: settings.quick, seed: settings.seed, scenes: scenes, epochs: epochs,
                                       modalities: results, means: Self.means(results), paperZeroShotMean: BenchmarkModality.paperZeroShotMean,
                                       paperSimCMFMean: BenchmarkModality.paperSimCMFMean, control: controlResult,
                                       ablationModality: ablation?.id, ablations: ablations, report: reportURL.path, seconds: 0)
        summary.seconds = Date().timeIntervalSince(start)
        let report = BenchmarkReport(results: summary,
                                     sections: try tables.map { m, table in (m.id, try table.map { try $0.reportRow(in: settings.out, overlays: 3) }) })
        try report.write(to: reportURL)
        try AtomicFile.write(try PipelineSteps.json(summary), to: steps.path("results.json"))
        return summary
    }

    /// The mean test mIoU and mDice of each method over the modalities that ran it, in table order.
    static func means(_ results: [BenchmarkResults.ModalityResult]) -> [BenchmarkResults.MeanRow] {
        var order: [String] = []
        for r in results { for m in r.methods where !order.contains(m.name) { order.append(m.name) } }
        return order.map { name in
            let rows = results.compactMap { $0.methods.first { $0.name == name } }
            let n = Double(max(rows.count, 1))
            return .init(method: name, mIoU: rows.map(\.test.mIoU).reduce(0, +) / n, mDice: rows.map(\.test.mDice).reduce(0, +) / n,
                         modalities: rows.count)
        }
    }

    /// The control's row: SimCMF's gain over zero-shot with the real channels and with noise, and what it says.
    static func control(_ c: BenchmarkModality, files: Int, real: [DemoResults.Method], noise: [DemoResults.Method]) -> BenchmarkResults.Control {
        let realGain = (real.last?.test.mIoU ?? 0) - (real.first?.test.mIoU ?? 0)
        let noiseGain = (noise.last?.test.mIoU ?? 0) - (noise.first?.test.mIoU ?? 0)
        let kept = realGain > 0 ? noiseGain / realGain : 0
        let withSensor = real.last?.test, withNoise = noise.last?.test
        let text = { (t: DemoResults.Test?) in
            t.map { t in String(format: "%.3f", t.mIoU) + (t.mIoUInterval.map { String(format: " [%.3f, %.3f]", $0.lower, $0.upper) } ?? "") } ?? "–"
        }
        // The sensor's part of the result is what the noise row loses. Under a one-click protocol a model also learns the
        // size and shape of a mask around the click, which needs no image content, so the noise row keeps that part of
        // the gain over zero-shot; the control asks whether the rest is more than resampling noise: the 95 % intervals
        // over images are apart (point values when a row has no interval).
        let apart: Bool
        if let r = withSensor?.mIoUInterval, let n = withNoise?.mIoUInterval { apart = n.upper < r.lower }
        else { apart = (withNoise?.mIoU ?? 0) < (withSensor?.mIoU ?? 0) }
        let verdict: String
        if realGain <= 0 {
            verdict = String(format: "SimCMF did not gain over zero-shot on the real %@ data (%+.4f), so the control cannot show a loss of gain.", c.id, realGain)
        } else if apart {
            verdict = "As expected: with the non-RGB channels replaced by noise SimCMF falls from \(text(withSensor)) to \(text(withNoise)) "
                + "(95 % intervals apart), so " + String(format: "%+.3f", (withSensor?.mIoU ?? 0) - (withNoise?.mIoU ?? 0))
                + " mIoU of its result comes from the other sensor's channels. The noise row keeps "
                + String(format: "%.0f %%", 100 * kept) + " of the gain over zero-shot: what a model learns without any image content "
                + "(the size and shape of a mask around the click)."
        } else {
            verdict = "NOT as expected: with noise instead of the non-RGB channels SimCMF reaches \(text(withNoise)), not clearly below "
                + "\(text(withSensor)) on the real data (95 % intervals overlap), so the result does not show that the model uses the "
                + "other sensor: what it learnt needs no such channel (RGB, or the size and shape of a mask around the click), "
                + "typically because the run is too short to learn more."
        }
        return .init(modality: c.id, description: "\(c.name) with every non-RGB file replaced by seeded uniform noise of the same format",
                     files: files, real: real, noise: noise, realGain: realGain, noiseGain: noiseGain, verdict: verdict)
    }

    /// The recorded settings of a benchmark folder (`benchmark.json`): a folder is continued only with the same ones.
    struct Recorded: Codable, Equatable {
        var scenes: Int
        var epochs: Int
        var seed: UInt64
        var weights: String
        /// Examples per optimiser step (absent in folders recorded before it was a setting: batch 4).
        var batch: Int?
    }

    /// Creates `out` (emptied with `force`) and records the settings, refusing a folder recorded with others.
    static func prepare(_ s: Settings) throws {
        let fm = FileManager.default
        if s.force, fm.fileExists(atPath: s.out.path) { try fm.removeItem(at: s.out) }
        try fm.createDirectory(at: s.out, withIntermediateDirectories: true)
        let url = s.out.appendingPathComponent("benchmark.json")
        let now = Recorded(scenes: s.sceneCount, epochs: s.epochCount, seed: s.seed, weights: s.weights.path, batch: Settings.batchSize)
        if let data = fm.contents(atPath: url.path) {
            let before = try? JSONDecoder().decode(Recorded.self, from: data)
            guard before == now else {
                let text = { (r: Recorded?) in r.map { "\($0.scenes) scenes, \($0.epochs) epochs, batch \($0.batch ?? 4), seed \($0.seed), weights \($0.weights)" } ?? "unreadable" }
                throw BenchmarkError.settingsDiffer(folder: s.out.path, recorded: text(before), requested: text(now))
            }
            return
        }
        if let contents = try? fm.contentsOfDirectory(atPath: s.out.path), !contents.isEmpty {
            throw DemoError.outputExists(folder: s.out.path)
        }
        try AtomicFile.write(try PipelineSteps.json(now), to: url)
    }
}
