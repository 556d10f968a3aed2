import AIMS
import Foundation
import Modalities
import SimCMF
import Tensor

/// `aims eval`: the reference protocol (one centre click per region, single-mask output, mIoU over
/// regions) on a trained run or on pretrained weights, with the per-region CSV.
enum EvalCommand: Command {
    static let name = "eval"
    static let summary = "mIoU of a trained run (or pretrained weights) on a modality's dataset, per-region CSV"
    static let usage = """
    Usage: aims eval --run RUN_DIR [--checkpoint best|last] [--split val|train|all]
                     [--modality ID] [--plugin SPEC.json] [--data DIR] [--csv FILE] [--json]
           aims eval [--weights FILE] --modality ID [--plugin SPEC.json] --data DIR [--image-size S]
                     [--alignment zeroshot|...] [--normalize modality|stats|range|none] [--csv FILE] [--json]
           (both: [--prompt click|box|click+box] [--overlays DIR [--overlay-channel K]])

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
      --csv   per region: image_index,image_id,region,pixel_count,click_x,click_y,iou,dice
      --prompt  click (default, the SimCMF protocol), box (the region's bounding box at the model input:
              the prompt LiteMedSAM was trained with) or click+box; a different protocol from the reference's
      --manifest aims/NAME.json (with or without --run): the samples of --split test (default), val, train or
              validation-train of an `aims build` manifest (modality and root from it, --data overrides the
              root); every used file must still have its recorded SHA-256. Without --run the normalisation
              defaults to the manifest's training statistics.
      --overlays DIR   per image a PNG at the mask size: the input (channels 0-2, or
              --overlay-channel K in grey), each region's predicted mask in its colour, the region's
              ground-truth outline in the same colour, its click in green; file NNNNN-ID-iouX.png,
              DIR/overlays.csv: file,image_index,region,colour,iou,dice,click_x,click_y
    """

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

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["run", "checkpoint", "split", "modality", "plugin", "data", "csv", "weights",
                                                           "image-size", "alignment", "normalize", "manifest", "overlays", "overlay-channel", "prompt"], flagOptions: ["json"])
        let prompt = try promptKind(args.value("prompt"))
        guard args.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(args.positional[0])'") }
        let start = Date()
        let model: any SegmentationModel
        let source: ModalityExampleSource
        let modelDescription: String
        var checkpoint: String?
        var splitName = "all"
        let selection = try args.value("manifest").map {
            try ManifestSelection.load($0, data: args.value("data"), modality: args.value("modality"), plugin: args.value("plugin"))
        }
        let manifestIDs = try selection.map { sel -> [String] in
            splitName = args.value("split") ?? "test"
            guard let ids = sel.manifest.ids(ofSplit: splitName) else {
                throw UsageError(message: "--split with --manifest must be test, val, train or validation-train, got \(splitName)")
            }
            guard !ids.isEmpty else { throw UsageError(message: "--split \(splitName): the manifest's split is empty") }
            try sel.requireUnchanged(ids)
            return ids
        }

        if let run = args.value("run") {
            for option in ["weights", "image-size", "alignment", "normalize"] where args.value(option) != nil {
                throw UsageError(message: "--\(option) comes from the run with --run")
            }
            let folder = URL(fileURLWithPath: run)
            let record = try RunRecord.read(from: folder)
            let otherData = args.value("data") != nil && selection == nil
            let modality = try selection?.modality ?? DatasetSelection.modality(args.value("modality") ?? record.modality,
                                                         plugin: args.value("plugin") ?? (args.value("modality") == nil ? record.plugin : nil))
            guard modality.channels.count == record.channels else {
                throw TrainCommandError.channelMismatch(modality: modality.identifier, channels: modality.channels.count, run: folder.path,
                                                        modelChannels: record.channels)
            }
            let built = try ModelFactory.build(weights: URL(fileURLWithPath: record.weights), channels: record.channels,
                                               alignment: AlignmentKind(rawValue: record.alignment)!, strategy: record.strategy,
                                               imageSize: record.imageSize, initialization: record.initializationKind, seed: record.seed)
            model = built.model
            modelDescription = built.description
            let ck = folder.appendingPathComponent("checkpoints", isDirectory: true)
            let url: URL
            switch args.value("checkpoint") {
            case nil:
                let best = ck.appendingPathComponent("best.safetensors")
                url = FileManager.default.fileExists(atPath: best.path) ? best : ck.appendingPathComponent("last.safetensors")
            case "best"?, "last"?: url = ck.appendingPathComponent(args.value("checkpoint")! + ".safetensors")
            case let other?: throw UsageError(message: "--checkpoint must be best or last, got \(other)")
            }
            guard FileManager.default.fileExists(atPath: url.path) else { throw TrainCommandError.noCheckpoint(folder: folder.path) }
            _ = try TrainingCheckpoint.load(from: url, into: model, optimizer: Adam(model.trainableParameters, learningRate: 0))
            checkpoint = url.path
            let normalization = try DatasetSelection.constants(means: record.means, standardDeviations: record.standardDeviations)
                .resolve(modality: modality, root: URL(fileURLWithPath: record.data), samples: [])
            let root = selection?.root ?? URL(fileURLWithPath: args.value("data") ?? record.data)
            var ids: [String]?
            if let manifestIDs {
                ids = manifestIDs
            } else if !otherData {
                splitName = args.value("split") ?? (record.split.validation.isEmpty ? "all" : "val")
                switch splitName {
                case "val": ids = record.split.validation
                case "train": ids = record.split.training
                case "all": ids = nil
                default: throw UsageError(message: "--split must be val, train or all, got \(splitName)")
                }
                if ids?.isEmpty == true { throw UsageError(message: "--split \(splitName): the run's split is empty") }
            } else if args.value("split") != nil {
                throw UsageError(message: "--split applies to the run's own data; with --data every sample is scored")
            }
            source = try ModalityExampleSource(modality: modality, root: root, samples: selection?.samples, ids: ids, inputSize: model.inputSize,
                                               normalization: normalization)
        } else {
            if args.value("checkpoint") != nil || (args.value("split") != nil && selection == nil) {
                throw UsageError(message: "--checkpoint needs --run; --split needs --run or --manifest")
            }
            guard let id = args.value("modality") ?? selection?.modality.identifier else { throw UsageError(message: "--modality ID is required (or --run RUN_DIR)") }
            guard let data = args.value("data") ?? selection?.root.path else { throw UsageError(message: "--data DIR is required (or --run RUN_DIR)") }
            let modality = try selection?.modality ?? DatasetSelection.modality(id, plugin: args.value("plugin"))
            let alignmentName = args.value("alignment") ?? "zeroshot"
            guard let alignment = AlignmentKind(rawValue: alignmentName) else {
                throw UsageError(message: "--alignment must be one of \(AlignmentKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(alignmentName)")
            }
            let weights = URL(fileURLWithPath: args.value("weights") ?? LiteMedSAM.defaultCheckpointURL().path)
            let channels = modality.channels.count
            let built = try ModelFactory.build(weights: weights, channels: channels, alignment: alignment, strategy: "full",
                                               imageSize: try args.positiveInt("image-size"), seed: 0)
            if (built.model as? ChannelMixedLiteMedSAM)?.mixer != nil {
                throw TrainCommandError.unsupported(field: "--weights \(weights.lastPathComponent)",
                                                    reason: "pretrained LiteMedSAM takes 3 channels, \(modality.identifier) has \(channels); train a channel mixer with aims train first")
            }
            model = built.model
            modelDescription = built.description + " (pretrained, untrained alignment)"
            let root = URL(fileURLWithPath: data)
            let samples = try selection.map { try $0.manifest.sampleFiles(manifestIDs!) } ?? modality.samples(in: root)
            let choice = try selection?.normalization(args.value("normalize"))?.choice
                ?? DatasetSelection.normalization(args.value("normalize"), modality: modality).choice
            let normalization = try choice.resolve(modality: modality, root: root, samples: samples)
            source = try ModalityExampleSource(modality: modality, root: root, samples: samples, inputSize: model.inputSize, normalization: normalization)
        }

        Console.error("aims eval: \(modelDescription); \(source.count) samples of \(source.modality.identifier) at \(model.inputSize)x\(model.inputSize)")
        var progress = ProgressReporter(label: "eval", total: source.count, unit: "img")
        var overlays = try args.value("overlays").map {
            try EvaluationOverlays(folder: URL(fileURLWithPath: $0), inputChannels: model.inputChannels,
                                   channel: try args.value("overlay-channel").map { text in
                                       guard let k = Int(text), k >= 0 else { throw UsageError(message: "--overlay-channel needs a channel index >= 0, got '\(text)'") }
                                       return k
                                   })
        }
        if overlays == nil, args.value("overlay-channel") != nil { throw UsageError(message: "--overlay-channel needs --overlays DIR") }
        let (result, regions) = try Evaluator(options: EvaluationOptions(promptKind: prompt)).evaluate(model, on: source, progress: { done, _ in progress.update(done) },
                                                         predictions: overlays == nil ? nil : { try overlays!.write($0) })
        try overlays?.writeCSV()
        let csv = args.value("csv")
        if let csv { try regions.writeCSV(to: URL(fileURLWithPath: csv)) }
        let report = Report(modality: source.modality.identifier, data: source.root.path, model: modelDescription, prompt: prompt.rawValue, checkpoint: checkpoint,
                            split: splitName, images: result.imageCount, skippedImages: result.skippedImages, regions: result.regionCount,
                            mIoU: result.mIoU, mDice: result.mDice, meanLoss: result.meanLoss, csv: csv, seconds: Date().timeIntervalSince(start))
        if args.flag("json") {
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
