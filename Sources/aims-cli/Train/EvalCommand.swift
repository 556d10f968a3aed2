import AIMS
import Foundation
import Modalities
import SimCMF

/// `aims eval`: the reference protocol (one centre click per region, single-mask output, mIoU over
/// regions) on a trained run or on pretrained weights, with the per-region CSV.
struct EvalCommand: Command {
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
    Protocol (SimCMF): for each region of each label map (resized to the model input, nearest), one
    click at the region's median pixel in raster order (random_click(middle=True)), single-mask
    output, IoU at the model's low-resolution mask size; mIoU = mean over regions.
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
                         help: "pretrained weights (without --run)")
    let imageSize = Option("image-size", .positiveInt("S"), help: "SAM input side (without --run)")
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
    let prompt = Option("prompt", ValueType<PromptKind>(placeholder: "click|box|click+box", expectation: "click, box or click+box") {
        try? EvalCommand.promptKind($0)
    }, default: .click, defaultText: "click, the SimCMF protocol",
                        help: "box: the region's bounding box at the model input (the prompt LiteMedSAM\n"
                          + "was trained with); click+box: both; a different protocol from the reference's")
    let json = Flag("json", help: "the report as JSON on stdout")

    struct Report: Encodable {
        var modality: String
        var data: String
        var model: String
        /// The prompt per region: click (the SimCMF protocol), box or clickAndBox.
        var prompt: String
        var checkpoint: String?
        var split: String
        var images: Int
        var skippedImages: Int
        var regions: Int
        var mIoU: Double
        var mDice: Double
        var meanLoss: Double
        var csv: String?
        var seconds: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let prompt = args.value(self.prompt)
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
        let (checkpoint, splitName) = (evaluation.checkpoint, evaluation.splitName)

        Console.error("aims eval: \(modelDescription); \(source.count) samples of \(source.modality.identifier) at \(model.inputSize)x\(model.inputSize)")
        var progress = ProgressReporter(label: "eval", total: source.count, unit: "img")
        var overlays = try args[self.overlays].map {
            try EvaluationOverlays(folder: URL(fileURLWithPath: $0), inputChannels: model.inputChannels, channel: args[self.overlayChannel])
        }
        if overlays == nil, args.isGiven(self.overlayChannel) { throw UsageError(message: "--overlay-channel needs --overlays DIR") }
        let (result, regions) = try Evaluator(options: EvaluationOptions(promptKind: prompt)).evaluate(model, on: source, progress: { done, _ in progress.update(done) },
                                                         predictions: overlays == nil ? nil : { try overlays!.write($0) })
        try overlays?.writeCSV()
        let csv = args[self.csv]
        if let csv { try regions.writeCSV(to: URL(fileURLWithPath: csv)) }
        let report = Report(modality: source.modality.identifier, data: source.root.path, model: modelDescription, prompt: prompt.rawValue, checkpoint: checkpoint,
                            split: splitName, images: result.imageCount, skippedImages: result.skippedImages, regions: result.regionCount,
                            mIoU: result.mIoU, mDice: result.mDice, meanLoss: result.meanLoss, csv: csv, seconds: Date().timeIntervalSince(start))
        if args[self.json] {
            try JSONOutput.print(report)
        } else {
            print(String(format: "mIoU %.4f  mDice %.4f  over %d regions of %d images (%@)", result.mIoU, result.mDice, result.regionCount,
                         result.imageCount, source.modality.identifier) + (csv.map { "; per region: \($0)" } ?? ""))
        }
        return 0
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
