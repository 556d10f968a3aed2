import AIMS
import Foundation
import Modalities
import SimCMF
import Tensor

/// `aims train`: SimCMF fine-tuning of a SAM (or LiteMedSAM) on a modality's dataset folder.
enum TrainCommand: Command {
    static let name = "train"
    static let summary = "fine-tune SAM / LiteMedSAM on a modality's dataset (SimCMF), resumable run folder"
    static let usage = """
    Usage: aims train --modality ID [--plugin SPEC.json] --data DIR --out RUN_DIR
           aims train --manifest aims/NAME.json [--fraction P] [--split-scheme validation|official] --out RUN_DIR
                      [--weights FILE] [--alignment simcmf|baseline_a|baseline_b|baseline_c|baseline_d|zeroshot]
                      [--strategy full|linear|lora|adapter|prompt|prefix|decoder] [--epochs N] [--batch N]
                      [--lr X] [--image-size S] [--val-fraction F] [--seed N] [--normalize modality|stats|range|none]
                      [--validate-every N] [--validate-last] [--init pretrained|scratch] [--embedding-cache MIB] [--resume] [--json]

    Splits the samples of DIR deterministically (ids sorted, shuffled with --seed; default 0.2 to
    validation), resizes every image to S x S (kind-aware; labels nearest) and normalises it (the
    modality's constants, else per-channel statistics of the training split), then trains as SimCMF:
    one random region and click per image, Dice+CE, Adam, StepLR (x0.5 every 10 epochs), validation
    mIoU before epochs 0, 5, 10, ... (--validate-every) and after the last. Progress (step, loss, images/s, ETA) on stderr.
    RUN_DIR gets aims-train.json (data, model and split), config.json, metrics.jsonl,
    checkpoints/last.safetensors after each epoch, checkpoints/best.safetensors, validation/epoch-E.csv.
      --weights      default: LiteMedSAM ($AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights);
                     or sam_vit_{b,l,h}_*.pth / Hugging Face SamModel .safetensors
      --alignment    C channels -> SAM (default simcmf). LiteMedSAM with C != 3: a pixel-space mixer
                     in front of TinyViT, simcmf (gated) or baseline_d (plain 1x1), or zeroshot (the
                     first three channels; C = 1: repeated; C = 2: channels 0, 1, 1); C = 3: none
      --strategy     SAM ViT (default lora): full, linear (patch/pos embedding), lora, adapter, prompt, prefix;
                     the alignment module always trains, the prompt encoder never.
                     LiteMedSAM (default full): full (TinyViT + mask decoder), decoder (mask decoder
                     only), lora (rank 16 on q, v of the 10 TinyViT attentions, rank 100 on q, v of the
                     7 decoder attentions, as the reference's sam_lora: 707,584 values + the mixer)
      --init         pretrained (default) or scratch: LiteMedSAM's architecture with random seeded
                     weights, everything trains (the reference's from-scratch baseline; --strategy full)
      --embedding-cache MIB  memory for image embeddings when nothing before or in the image encoder
                     trains (e.g. --strategy decoder with 3 channels or --alignment zeroshot): each
                     training image is encoded once, not every epoch (default 1024; 0 disables)
      --epochs       default 51 (the reference's); --batch default 4; --lr default 3e-4
      --validate-every N  validation before every N-th epoch (default 5, the reference's val_freq)
      --validate-last  also validate after the last epoch (the reference never scores its last epoch's training)
      --normalize    modality (its constants), stats (mean/std of the training split), range (min-max of
                     the training split to [0, 1], the range LiteMedSAM was trained on) or none
      --image-size   SAM input side (multiple of the patch size; default the checkpoint's, 1024 for
                     official SAM); LiteMedSAM is fixed at 256
      --resume       continue RUN_DIR from checkpoints/last.safetensors (epoch 0 if none yet) with its recorded model, split
                     and normalisation (--epochs may be raised; --data/--modality/--plugin may point
                     elsewhere but must give the same channel count)
      --json         print a summary as JSON on stdout
      --manifest     an `aims build` manifest: modality, data root (--data overrides), samples and split
                     come from it, the normalisation from its training statistics (unless --normalize), and
                     every used file must still have its recorded SHA-256 (else an error naming each file)
      --split-scheme validation (default: train minus the manifest's val, validated on val) or official
                     (train, validated on test, as the reference does)
      --fraction     train on the manifest's nested P% subset of the training split (e.g. 10, 25, 50)

    Cost: measure a step on your machine with `aims bench sam --model M --size S --mode train-full|train-lora`
    before committing hours (docs/PERFORMANCE.md has figures and how to read them). A frozen encoder saves its
    weight gradients and optimizer state, not the backward pass through it, whenever something in front of it
    (a mixer) or in it (LoRA, adapters, prompts, prefixes, the linear probe) trains. Only when nothing before or
    in the encoder trains (3 channels or --alignment zeroshot, with --strategy decoder) is each image encoded
    once: after the first epoch an epoch then costs the decoder step only, with identical losses. So choose the
    input size first (--image-size 256 or 512 for ViT-B), then the strategy; the progress line shows images/s
    and the ETA. At 1024, ViT's global attention keeps its probabilities for backward (805 MB per block) within
    AIMS_ATTENTION_MEMORY_MB (default: a sixth of RAM, at most 4096), else recomputes them: the same gradients,
    less memory.
    """

    struct Summary: Encodable {
        var run: String
        var modality: String
        var channels: Int
        var model: String
        var alignment: String
        var strategy: String
        var inputSize: Int
        var trainableValues: Int
        var trainingSamples: Int
        var validationSamples: Int
        var normalization: String
        var resumedFromEpoch: Int?
        var epochsCompleted: Int
        var epochLosses: [Double]
        var lastValidationMIoU: Double?
        var bestValidationMIoU: Double?
        var bestEpoch: Int?
        var lastCheckpoint: String
        var bestCheckpoint: String?
        var seconds: Double
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["modality", "plugin", "data", "out", "weights", "alignment", "strategy", "epochs",
                                                           "batch", "lr", "image-size", "val-fraction", "seed", "normalize",
                                                           "manifest", "fraction", "split-scheme", "init", "embedding-cache", "validate-every"],
                                 flagOptions: ["resume", "json", "validate-last"])
        guard args.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(args.positional[0])'") }
        guard let out = args.value("out") else { throw UsageError(message: "--out RUN_DIR is required") }
        let runFolder = URL(fileURLWithPath: out)
        let resume = args.flag("resume")
        let start = Date()

        // The run's record: new, or the one being resumed.
        var record: RunRecord
        let modality: any Modality
        let dataRoot: URL
        var datasetSamples: [SampleFiles]?   // from a manifest; nil: the modality's own discovery
        if resume {
            record = try RunRecord.read(from: runFolder)
            for option in ["weights", "alignment", "strategy", "image-size", "seed", "val-fraction", "normalize", "batch", "lr", "init", "validate-every"] where args.value(option) != nil {
                throw UsageError(message: "--\(option) cannot change on --resume (the run records it in \(RunRecord.fileName))")
            }
            let plugin = args.value("plugin") ?? (args.value("modality") == nil ? record.plugin : nil)
            modality = try DatasetSelection.modality(args.value("modality") ?? record.modality, plugin: plugin)
            dataRoot = URL(fileURLWithPath: args.value("data") ?? record.data)
            if let path = record.manifest {
                let selection = try ManifestSelection.load(path, data: dataRoot.path, modality: nil, plugin: plugin)
                try selection.requireUnchanged(record.split.training + record.split.validation)
                datasetSamples = selection.samples
            }
            guard modality.channels.count == record.channels else {
                throw TrainCommandError.channelMismatch(modality: modality.identifier, channels: modality.channels.count, run: runFolder.path,
                                                        modelChannels: record.channels)
            }
        } else {
            let selection = try args.value("manifest").map {
                try ManifestSelection.load($0, data: args.value("data"), modality: args.value("modality"), plugin: args.value("plugin"))
            }
            for option in ["fraction", "split-scheme"] where selection == nil && args.value(option) != nil {
                throw UsageError(message: "--\(option) needs --manifest")
            }
            if selection != nil && args.value("val-fraction") != nil { throw UsageError(message: "--val-fraction: the split comes from --manifest (use --split-scheme)") }
            guard let id = args.value("modality") ?? selection?.modality.identifier else { throw UsageError(message: "--modality ID is required") }
            guard let data = args.value("data") ?? selection?.root.path else { throw UsageError(message: "--data DIR is required") }
            if FileManager.default.fileExists(atPath: RunRecord.url(in: runFolder).path) { throw TrainCommandError.runExists(folder: runFolder.path) }
            let alignmentName = args.value("alignment") ?? "simcmf"
            guard AlignmentKind(rawValue: alignmentName) != nil else {
                throw UsageError(message: "--alignment must be one of \(AlignmentKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(alignmentName)")
            }
            if let s = args.value("strategy"), !ModelFactory.strategies.contains(s) {
                throw UsageError(message: "--strategy must be one of \(ModelFactory.strategies.joined(separator: ", ")), got \(s)")
            }
            let initialization = args.value("init") ?? "pretrained"
            guard ModelFactory.Initialization(rawValue: initialization) != nil else {
                throw UsageError(message: "--init must be pretrained or scratch, got \(initialization)")
            }
            let seed = try args.seed() ?? 8888
            let fraction = try args.number("val-fraction", in: 0...0.99) ?? 0.2
            let imageSize = try args.positiveInt("image-size")
            _ = try args.positiveInt("epochs"); _ = try args.positiveInt("batch"); _ = try args.number("lr", in: 1e-12...10)
            _ = try args.positiveInt("validate-every")
            _ = try DatasetSelection.normalizationOption(args.value("normalize"))
            let plugin = args.value("plugin").map { URL(fileURLWithPath: $0).path }
            modality = try selection?.modality ?? DatasetSelection.modality(id, plugin: plugin)
            let norm: (name: String, choice: ExampleNormalization) = try selection?.normalization(args.value("normalize"))
                ?? DatasetSelection.normalization(args.value("normalize"), modality: modality)
            dataRoot = URL(fileURLWithPath: data)
            let samples = try selection?.samples ?? modality.samples(in: dataRoot)
            let split = try selection.map { try $0.split(scheme: args.value("split-scheme") ?? "validation", fraction: args.positiveInt("fraction")) }
                ?? SampleSplit(ids: samples.map(\.id), validationFraction: fraction, seed: seed)
            try selection?.requireUnchanged(split.training + split.validation)
            datasetSamples = selection?.samples
            let weights = URL(fileURLWithPath: args.value("weights") ?? LiteMedSAM.defaultCheckpointURL().path)
            let trainingIDs = Set(split.training)
            let constants = try norm.choice.resolve(modality: modality, root: dataRoot,
                                                    samples: samples.filter { trainingIDs.contains($0.id) })
            record = RunRecord(modality: modality.identifier, plugin: plugin, data: dataRoot.path, weights: weights.path, modelFamily: "",
                               alignment: alignmentName, strategy: args.value("strategy") ?? "", imageSize: imageSize ?? 0,
                               channels: modality.channels.count, seed: seed, validationFraction: fraction, normalization: norm.name,
                               means: constants?.means, standardDeviations: constants?.standardDeviations, split: split,
                               manifest: selection?.url.path, initialization: initialization)
        }

        // The model, as recorded (a new run fills in the family, strategy and size defaults).
        let weights = URL(fileURLWithPath: record.weights)
        Console.error("aims train: loading \(weights.path)")
        let built = try ModelFactory.build(weights: weights, channels: record.channels, alignment: AlignmentKind(rawValue: record.alignment)!,
                                           strategy: record.strategy.isEmpty ? nil : record.strategy,
                                           imageSize: record.imageSize > 0 ? record.imageSize : nil, initialization: record.initializationKind,
                                           seed: record.seed)
        record.modelFamily = built.family
        record.strategy = built.strategy
        record.imageSize = built.model.inputSize
        let model = built.model

        var configuration = TrainingConfiguration()
        configuration.seed = record.seed
        if resume {
            // Everything but epochs comes from the checkpoint's recorded configuration (the trainer checks it).
            let url = runFolder.appendingPathComponent("config.json")
            guard FileManager.default.fileExists(atPath: url.path) else { throw TrainCommandError.noCheckpoint(folder: runFolder.path) }
            do {
                configuration = try JSONDecoder().decode(SavedConfig.self, from: Data(contentsOf: url)).training
            } catch {
                throw TrainCommandError.badRecord(file: url.path, reason: "\(error)")
            }
        } else {
            if let b = try args.positiveInt("batch") { configuration.batchSize = b }
            if let lr = try args.number("lr", in: 1e-12...10) { configuration.learningRate = Float(lr) }
            if let v = try args.positiveInt("validate-every") { configuration.validationInterval = v }
            if args.flag("validate-last") { configuration.validatesAfterLastEpoch = true }
        }
        if let e = try args.positiveInt("epochs") { configuration.epochs = e }

        let normalization = try DatasetSelection.constants(means: record.means, standardDeviations: record.standardDeviations)
            .resolve(modality: modality, root: dataRoot, samples: [])
        // Prepared examples are cached within a 2 GiB budget (estimate: image and label at S x S, the original label
        // counted at S x S too, 4 bytes a value);
        // beyond it they are decoded again each epoch.
        let side = model.inputSize
        let bytesPerExample = 4 * (record.channels + 1) * side * side + 4 * side * side
        let cacheable = (2 << 30) / Swift.max(bytesPerExample, 1)
        let trainingCache = Swift.min(record.split.training.count, cacheable)
        let validationCache = Swift.min(record.split.validation.count, Swift.max(0, cacheable - trainingCache))
        let training = try ModalityExampleSource(modality: modality, root: dataRoot, samples: datasetSamples, ids: record.split.training, inputSize: side,
                                                 normalization: normalization, cacheCapacity: trainingCache)
        let validation = record.split.validation.isEmpty ? nil
            : try ModalityExampleSource(modality: modality, root: dataRoot, samples: datasetSamples, ids: record.split.validation, inputSize: side,
                                        normalization: normalization, cacheCapacity: validationCache)

        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        let trainer = try Trainer(model: model, configuration: configuration, runFolder: runFolder)
        trainer.log = { Console.error("aims train: " + $0) }
        if let mib = try args.number("embedding-cache", in: 0...1e7) { trainer.embeddingCacheBytes = Int(mib * 1_048_576) }
        var resumedFrom: Int?
        if resume {
            // A run interrupted before its first checkpoint starts over from epoch 0 with its recorded settings.
            if try trainer.resume() { resumedFrom = trainer.epoch } else { Console.error("aims train: no checkpoint yet in \(runFolder.path); starting at epoch 0") }
        }
        try record.write(to: runFolder)
        Console.error("aims train: \(built.description); \(model.trainableParameters.reduce(0) { $0 + $1.value.count }) trainable values; "
                      + "\(training.count) training / \(validation?.count ?? 0) validation samples of \(modality.identifier) at \(model.inputSize)x\(model.inputSize)")
        var lastDraw = Date.distantPast
        trainer.progress = { p in
            let now = Date()
            guard p.step == p.stepsPerEpoch || now.timeIntervalSince(lastDraw) >= 0.5 else { return }
            lastDraw = now
            Console.error(String(format: "epoch %d/%d step %d/%d  loss %.4f  lr %.2e  %.2f img/s  ETA %@", p.epoch + 1, configuration.epochs,
                                 p.step, p.stepsPerEpoch, p.loss, Double(p.learningRate), p.imagesPerSecond,
                                 ProgressReporter.duration(p.etaSeconds)))
        }
        let summaries = try trainer.run(training: training, validation: validation)

        let best = trainer.bestCheckpoint.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
        let summary = Summary(run: runFolder.path, modality: modality.identifier, channels: record.channels, model: built.description,
                              alignment: record.alignment, strategy: record.strategy, inputSize: model.inputSize,
                              trainableValues: model.trainableParameters.reduce(0) { $0 + $1.value.count },
                              trainingSamples: training.count, validationSamples: validation?.count ?? 0, normalization: record.normalization,
                              resumedFromEpoch: resumedFrom, epochsCompleted: trainer.epoch, epochLosses: summaries.map(\.meanLoss),
                              lastValidationMIoU: trainer.finalValidation?.mIoU ?? summaries.last(where: { $0.validation != nil })?.validation?.mIoU,
                              bestValidationMIoU: trainer.bestMIoU, bestEpoch: trainer.bestEpoch,
                              lastCheckpoint: trainer.lastCheckpoint!.path, bestCheckpoint: best, seconds: Date().timeIntervalSince(start))
        if args.flag("json") {
            try JSONOutput.print(summary)
        } else {
            print("\(runFolder.path): \(trainer.epoch) epochs, last loss \(summaries.last.map { String(format: "%.4f", $0.meanLoss) } ?? "-")"
                  + (trainer.bestMIoU.map { String(format: ", best validation mIoU %.4f (before epoch %d)", $0, trainer.bestEpoch ?? 0) } ?? ""))
        }
        return 0
    }

    /// The part of the trainer's `config.json` a resume needs.
    struct SavedConfig: Decodable { var training: TrainingConfiguration }
}
