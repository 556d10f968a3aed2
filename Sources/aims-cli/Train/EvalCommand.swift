import AIMS
import Distributed
import Foundation
import Modalities
import SimCMF
import TensorCore

/// `aims eval`: a trained run or pretrained weights under an evaluation protocol (`EvaluationProtocol`): the
/// reference's (one median click per region, single-mask output, mIoU over regions), the interactive clicks
/// protocol (NoC) or box prompts; each with the 95 % bootstrap interval of its mIoU and a per-region CSV.
struct EvalCommand: Command, RunsDistributed {
    static let name = "eval"
    static let summary = "mIoU of a trained run (or pretrained weights) on a modality's dataset, per-region CSV"
    static let discussion = """
    Two forms: --run RUN_DIR [--checkpoint best|last] [--split val|train|all] [--modality ID] [--plugin SPEC.json]
    [--data DIR], or [--weights FILE] --modality ID [--plugin SPEC.json] --data DIR [--image-size S] [--alignment A]
    [--normalize N]; either may take --manifest instead of --modality and --data.
    With --run: the model, normalisation and split recorded by `aims train` (aims-train.json), the
    trainable tensors from checkpoints/best.safetensors (default; last when there is no best).
    --split defaults to val (all when the run has no validation split); --data (and --modality,
    --plugin) score every sample of another folder with the same channel count.
    Without --run: the pretrained weights as they are (default LiteMedSAM) on every sample, behind
    the --alignment module, default zeroshot: the first three channels (C = 1: the channel three
    times; C = 2: channels 0, 1, 1, the reference's replicate pad); other alignments are untrained.
    --protocol reference (default, SimCMF's): for each region of each label map (resized to the model
    input, nearest), one click at the region's median pixel in raster order (random_click(middle=True)),
    single-mask output, IoU at the model's low-resolution mask size; mIoU = mean over regions.
    --protocol clicks (interactive, RITM-style NoC): per region up to --clicks clicks (default 20), the first
    at the region's pixel farthest from its boundary, each next one at the deepest pixel of the larger
    error region (positive on missed object, negative on spill), the previous mask logits fed back as
    SAM's mask prompt; reports NoC@85 and NoC@90 (clicks to reach IoU 0.85 / 0.90; the maximum when
    never reached), mIoU after 1, 3 and 5 clicks and the mean IoU after every click.
    --protocol box: the region's bounding box as prompt (the prompt LiteMedSAM was trained with).
    Every protocol reports the 95 % percentile-bootstrap interval of its mIoU (1000 resamples of the
    images, seed 0). With --run, the output says which split chose the best checkpoint; a run trained
    with --select-on test is marked optimistic (its test scores are not held out).
    Under mpirun -np N (every protocol) each rank scores a contiguous share of the images and writes the
    --overlays pictures of its own; rank 0 gathers every region's scores (under clicks, every IoU after each
    click) and prints and writes what one process would: the report, --json, --csv and overlays.csv.
    """

    let runFolder = Option("run", .path("RUN_DIR"), help: "a run folder written by `aims train`")
    let checkpoint = Option("checkpoint", .choice(["best", "last"]), defaultText: "best; last when there is no best",
                            help: "the run's checkpoint (with --run)")
    let split = Option("split", .choice(["val", "train", "all", "test", "validation-train"]),
                       defaultText: "val with --run (all when the run has none), test with --manifest",
                       help: "with --run: val, train or all of the run's split;\nwith --manifest: test, val, train or validation-train")
    let modality = Option("modality", .string("ID"), help: "the modality of the data")
    let plugin = Option("plugin", .path("SPEC.json"), help: "a JSON modality plugin to register first")
    let data = Option("data", .path("DIR"), help: "the dataset folder")
    let csv = Option("csv", .path("FILE"), help: "per region: image_index,image_id,region,pixel_count,click_x,click_y,iou,dice")
    let weights = Option("weights", .path("FILE"), defaultText: "LiteMedSAM, $AIMS_CACHE/lite_medsam.pth",
                         help: "pretrained weights (without --run): lite_medsam.pth, mobile_sam.pt or a SAM ViT")
    let imageSize = Option("image-size", .positiveInt("S"),
                           help: "SAM input side (without --run); a TinyViT SAM takes only its own:\n"
                             + "256 for LiteMedSAM, 1024 for MobileSAM")
    let alignment = Option("alignment", .choice(AlignmentKind.allCases.map(\.rawValue)), default: "zeroshot",
                           help: "the alignment module in front of the pretrained weights (without --run)")
    let normalize = Option("normalize", DatasetSelection.normalizationType, defaultText: "the manifest's statistics, else the modality's",
                           help: "the normalisation (without --run)")
    let manifest = Option("manifest", .path("aims/NAME.json"),
                          help: "(with or without --run) the samples of --split of an `aims build` manifest (modality\n"
                            + "and root from it, --data overrides the root); every used file must still have its recorded\n"
                            + "SHA-256. Without --run the normalisation defaults to the manifest's training statistics.")
    let overlays = Option("overlays", .path("DIR"),
                          help: "per image a PNG at the mask size: the input (channels 0-2, or\n"
                            + "--overlay-channel K in grey), each region's predicted mask in its colour, the region's\n"
                            + "ground-truth outline in the same colour, its click in green; file NNNNN-ID-iouX.png,\n"
                            + "DIR/overlays.csv: file,image_index,region,colour,iou,dice,click_x,click_y")
    let overlayChannel = Option("overlay-channel", .index("K"), help: "the input channel the overlays show in grey (with --overlays)")
    let evaluationProtocol = Option("protocol", ValueType<EvaluationProtocol>.cases, defaultText: "reference",
                                    help: "reference (SimCMF: one median click per region), clicks (interactive: up to\n"
                                      + "--clicks clicks per region, NoC@85/90) or box (the region's bounding box)")
    let clicks = Option("clicks", .int(in: 1...100, "K"), default: 20, help: "clicks per region under --protocol clicks")
    let prompt = Option("prompt", ValueType<PromptKind>(placeholder: "click|box|click+box", expectation: "click, box or click+box") {
        try? EvalCommand.promptKind($0)
    }, defaultText: "click, the SimCMF protocol",
                        help: "the older spelling of --protocol: click is reference, box is box; click+box: the box\n"
                          + "protocol with the median click added")
    let precision = Option<Precision>.precision
    let json = Flag("json", help: "the report as JSON on stdout")

    func run(_ args: ParsedArguments) throws -> Int32 {
        try Precision.$current.withValue(args.value(precision)) { try evaluate(args) }
    }

    private func evaluate(_ args: ParsedArguments) throws -> Int32 {
        let (evaluationProtocol, prompt) = try EvaluationProtocol.resolve(protocol: args[self.evaluationProtocol], prompt: args[self.prompt])
        if args.isGiven(self.clicks) && evaluationProtocol != .clicks { throw UsageError(message: "--clicks needs --protocol clicks") }
        let start = Date()
        let selection = try args[self.manifest].map {
            try ManifestSelection.load($0, data: args[self.data], modality: args[self.modality], plugin: args[self.plugin])
        }
        let manifest = try selection.map { sel in
            let (name, ids) = try EvaluationRun.manifestSplit(sel, split: args[self.split])
            return (selection: sel, split: name, ids: ids)
        }
        let evaluation: EvaluationRun
        if let run = args[self.runFolder] {
            for option in [weights, imageSize, alignment, normalize] as [any NamedArgument] where args.isGiven(option) {
                throw UsageError(message: "\(option.key) comes from the run with --run")
            }
            evaluation = try EvaluationRun.fromRun(URL(fileURLWithPath: run), checkpoint: args[self.checkpoint], manifest: manifest,
                                                   modality: args[self.modality], plugin: args[self.plugin], data: args[self.data], split: args[self.split])
        } else {
            if args.isGiven(self.checkpoint) || (args.isGiven(self.split) && selection == nil) {
                throw UsageError(message: "--checkpoint needs --run; --split needs --run or --manifest")
            }
            evaluation = try EvaluationRun.pretrained(weights: URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path),
                                                      alignment: AlignmentKind(rawValue: args.value(self.alignment))!, imageSize: args[self.imageSize],
                                                      manifest: manifest, modality: args[self.modality], plugin: args[self.plugin],
                                                      data: args[self.data], normalize: args[self.normalize])
        }
        let (model, source, modelDescription) = (evaluation.model, evaluation.source, evaluation.modelDescription)
        let prints = Job.prints
        if prints {
            for w in evaluation.warnings { Console.error("aims eval: warning: \(w)") }
            Console.error("aims eval: \(modelDescription); \(source.count) samples of \(source.modality.identifier) at \(model.inputSize)x\(model.inputSize)"
                          + (Precision.current == .fp32 ? "" : "; products in \(Precision.current.rawValue)")
                          + (Job.world.size > 1 ? "; shared by \(Job.world.size) ranks" : ""))
        }
        // Under mpirun rank 0 shows its own share.
        var progress = ProgressReporter(label: "eval", total: BatchShard.positions(rank: 0, size: Job.world.size, count: source.count).count, unit: "img")
        let report = try evaluation.score(evaluationProtocol, prompt: prompt, maxClicks: args.value(self.clicks),
                                          overlays: args[self.overlays].map { URL(fileURLWithPath: $0) },
                                          overlayChannel: args[self.overlayChannel], csv: args[self.csv].map { URL(fileURLWithPath: $0) },
                                          start: start, communicator: Job.world,
                                          progress: { done, _ in if prints { progress.update(done) } })
        guard prints else { return 0 }
        if args[self.json] {
            try JSONOutput.print(report)
        } else {
            print(Self.text(report))
        }
        return 0
    }

    /// The report as text: the mIoU line with its interval, the clicks protocol's metrics, the model selection.
    static func text(_ r: EvaluationSummary) -> String {
        let after = r.protocol == EvaluationProtocol.clicks.rawValue ? " after 1 click" : ""
        var lines = [String(format: "mIoU%@ %.4f (95%% CI %.4f-%.4f, bootstrap over %d images)  mDice %.4f  over %d regions of %d images (%@, %@ protocol)",
                            after, r.mIoU, r.mIoUInterval.lower, r.mIoUInterval.upper, r.mIoUInterval.images, r.mDice, r.regions, r.images,
                            r.modality, r.protocol) + (r.csv.map { "; per region: \($0)" } ?? "")]
        if let i = r.interactive { lines.append(i.text) }
        if let m = r.modelSelection { lines.append("model selection: \(m.split.rawValue)\(m.optimistic ? " (OPTIMISTIC)" : ""): \(m.note)") }
        return lines.joined(separator: "\n")
    }

    /// `--prompt click|box|click+box` (default click, the SimCMF protocol).
    static func promptKind(_ option: String?) throws -> PromptKind {
        switch option {
        case nil, "click"?: return .click
        case "box"?: return .box
        case "click+box"?, "clickAndBox"?: return .clickAndBox
        case let other?: throw UsageError(message: "--prompt must be click, box or click+box, got \(other)")
        }
    }
}
