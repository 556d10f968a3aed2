import AIMS
import Foundation
import SimCMF

/// `aims benchmark`: SimCMF's AIMS table on physically simulated scenes (`BenchmarkPipeline`).
struct BenchmarkCommand: Command {
    static let name = "benchmark"
    static let summary = "SimCMF's AIMS table on simulated scenes: every modality, zero-shot vs from-scratch vs SimCMF+LoRA, HTML report"
    static let discussion = """
    Per physical cue, one synthetic dataset in each modality's own folder convention, rendered so that only
    that cue separates the objects from the wall (aims synth --cue): glass faint in intensity but polarized
    (zju-rgbp), objects with the wall's colour in front of it (d, hha, rgbd, rgbhha), materials alike in RGB
    but not in NIR (nir-ivrg, rgbnir), objects at the wall's colour but another temperature (t, rgbt).
    Per modality: aims build (train/val/test), zero-shot LiteMedSAM, LiteMedSAM from scratch, SimCMF + LoRA
    (and, without --quick, SimCMF with full fine-tuning and with the decoder only on the --ablation modality;
    --more-strategies: on every modality), model selection on the
    validation split, each scored on the test split (one click per region, 95 % bootstrap interval over
    images). Then the noise control (--control: the same scenes with the non-RGB files replaced by noise)
    and the ablations on one modality (--ablation: alignment module; data fractions 10/25/50/100 % from the
    manifest's nested subsets).
    Outputs under DIR: data/<cue>/, aims/<modality>.json, runs/…, eval/…, samples/…, report.html (tables,
    curves, overlays, one picture of every channel) and results.json (the same numbers).
    Started again with the same settings, it skips finished steps and resumes an interrupted training run.
    Sizes: --quick 12 scenes per cue and 2 epochs, the default 32 scenes and 3 epochs; one image per
    optimiser step in both (docs/BENCHMARK.md gives the wall time of the last runs and why).
    """

    let out = Option("out", .path("DIR"), default: "out/benchmark", help: "the output folder (continued when it holds a run with the same settings)")
    let weights = Option("weights", .path("lite_medsam.pth"), defaultText: "$AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights",
                         help: "the LiteMedSAM checkpoint")
    let modalities = Option("modalities", .list(of: .choice(BenchmarkModality.all.map(\.id)), placeholder: "LIST"), defaultText: "all",
                            help: "any of \(BenchmarkModality.all.map(\.id).joined(separator: ", "))")
    let quick = Flag("quick", help: "fewer scenes and epochs and no extra strategies (the same pipeline)")
    let scenes = Option("scenes", .positiveInt("N"), defaultText: "12 with --quick, else 32", help: "scenes per cue dataset")
    let epochs = Option("epochs", .positiveInt("E"), defaultText: "2 with --quick, else 3", help: "epochs of each trained method")
    let seed = Option("seed", .seed("S"), default: 7, help: "the seed of the scenes, splits and training")
    let control = Option("control", .choice(["none"] + BenchmarkModality.all.map(\.id)), default: "rgbnir",
                         help: "the RGB-X modality of the noise control (none: skip it)")
    let ablation = Option("ablation", .choice(["none"] + BenchmarkModality.all.map(\.id)), default: "zju-rgbp",
                          help: "the modality of the alignment and data-fraction ablations (none: skip them)")
    let moreStrategies = Flag("more-strategies", help: "SimCMF with full fine-tuning and decoder-only on every modality")
    let force = Flag("force", help: "empty DIR first instead of continuing it")
    let json = Flag("json", help: "the results (as results.json) on stdout")

    func run(_ args: ParsedArguments) throws -> Int32 {
        let chosen = args.value(self.control), ablation = args.value(self.ablation)
        let settings = BenchmarkPipeline.Settings(
            out: URL(fileURLWithPath: args.value(self.out)),
            weights: URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path),
            modalities: args[self.modalities] ?? BenchmarkModality.all.map(\.id), quick: args[self.quick], scenes: args[self.scenes],
            epochs: args[self.epochs], seed: args.value(self.seed), force: args[self.force],
            control: chosen == "none" ? nil : chosen, ablation: ablation == "none" ? nil : ablation,
            moreStrategies: args[self.moreStrategies] ? true : nil,
            command: (["aims"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        let console = PipelineConsole(name: "aims benchmark")
        let results = try BenchmarkPipeline.run(settings) { console.show($0) }
        if args[self.json] {
            try JSONOutput.print(results)
        } else {
            print(BenchmarkTable.markdown(results))
            print("report: \(results.report) (wall time \(DurationText.format(results.seconds)))")
        }
        return 0
    }
}
