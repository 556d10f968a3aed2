import AIMS
import Foundation
import Modalities
import SimCMF
import TensorCore

/// `aims train`: SimCMF fine-tuning of a SAM (or a TinyViT SAM: LiteMedSAM, MobileSAM) on a modality's dataset folder.
struct TrainCommand: Command, RunsDistributed {
    static let name = "train"
    static let summary = "fine-tune SAM / LiteMedSAM / MobileSAM on a modality's dataset (SimCMF), resumable run folder"
    static let discussion = """
    Two ways to name the data: --modality ID [--plugin SPEC.json] --data DIR, or --manifest aims/NAME.json.
    Splits the samples of DIR deterministically (ids sorted, shuffled with --seed; default 0.2 to
    validation), resizes every image to S x S (kind-aware; labels nearest) and normalises it (the
    modality's constants, else per-channel statistics of the training split), then trains as SimCMF:
    one random region and click per image, Dice+CE, Adam, StepLR (x0.5 every 10 epochs), validation
    mIoU before epochs 0, 5, 10, ... (--validate-every) and after the last. Progress (step, loss, images/s, ETA) on stderr.
    RUN_DIR gets aims-train.json (data, model and split), config.json, metrics.jsonl,
    checkpoints/last.safetensors after each epoch, checkpoints/best.safetensors, validation/epoch-E.csv.

    Cost: measure a step on your machine with `aims bench sam --model M --size S --mode train-full|train-lora`
    before starting a long run (docs/PERFORMANCE.md has figures and how to read them). A frozen encoder saves its
    weight gradients and optimizer state, not the backward pass through it, whenever something in front of it
    (a mixer) or in it (LoRA, adapters, prompts, prefixes, the linear probe) trains. Only when nothing before or
    in the encoder trains (3 channels or --alignment zeroshot, with --strategy decoder) is each image encoded
    once: after the first epoch an epoch then costs the decoder step only, with identical losses. So choose the
    input size first (--image-size 256 or 512 for ViT-B), then the strategy; the progress line shows images/s
    and the ETA. At 1024, ViT's global attention keeps its probabilities for backward (805 MB per block) within
    AIMS_ATTENTION_MEMORY_MB (default: a sixth of RAM, at most 4096), else recomputes them: the same gradients,
    less memory.

    --precision bf16 runs the products of every step and validation (linear layers, convolutions, attention)
    on bf16 operands with fp32 accumulation, as PyTorch's autocast; the weights, Adam's state, norms, softmax
    and the loss stay fp32. config.json records it and --resume keeps it (docs/PERFORMANCE.md, "bf16", has its
    accuracy against fp32 and its speed).

    Across processes or machines: mpirun -np N aims train ... trains one model data-parallel (Open MPI; see
    docs/SCALING.md). --batch stays the images per optimizer step: each batch (the same seeded shuffle on every
    rank) is split into N contiguous shares, each rank computes its share's gradients, the gradients are summed
    in rank order (bit-identical reruns), every rank takes the same Adam step. The run equals one process
    running the shares as micro-batches (--micro-batch B/N), BatchNorm statistics included (per-rank batch
    statistics, as PyTorch's DDP without SyncBatchNorm). Rank 0 alone writes RUN_DIR and prints; the ranks
    compare parameter digests every 20 steps and stop naming the first tensor that differs. The data must be
    readable by every rank (for --resume, RUN_DIR too); a rank that fails stops the job.
    """

    private static let defaults = TrainingConfiguration()

    let modality = Option("modality", .string("ID"), help: "the modality of the data (from --manifest when given)")
    let plugin = Option("plugin", .path("SPEC.json"), help: "a JSON modality plugin to register first")
    let data = Option("data", .path("DIR"), help: "the dataset folder (overrides the manifest's root)")
    let out = Option("out", .path("RUN_DIR"), help: "the run folder (required unless --dry-run)")
    let manifest = Option("manifest", .path("aims/NAME.json"),
                          help: "an `aims build` manifest: modality, data root (--data overrides), samples and split\n"
                            + "come from it, the normalisation from its training statistics (unless --normalize), and\n"
                            + "every used file must still have its recorded SHA-256 (else an error naming each file)")
    let fraction = Option("fraction", .positiveInt("P"), help: "train on the manifest's nested P% subset of the training split (e.g. 10, 25, 50)")
    let splitScheme = Option("split-scheme", .choice(["validation", "official"]), defaultText: "validation",
                             help: "validation: train minus the manifest's val, validated on val;\n"
                               + "official: all of train (no validation split left: see --select-on)")
    let selectOn = Option("select-on", ValueType<ModelSelection.Split>.cases, defaultText: "val; none with --split-scheme official",
                          help: "the split that chooses checkpoints/best (needs --manifest unless val):\n"
                            + "val: the manifest's val split (validation scheme); none: no validation, no best;\n"
                            + "test: validate and select on the test split, as the reference does (official scheme\n"
                            + "only): reproduces its numbers, which are optimistic (marked so in the output)")
    let weights = Option("weights", .path("FILE"), defaultText: "LiteMedSAM, $AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights",
                         help: "the pretrained model: lite_medsam.pth, mobile_sam.pt, sam_vit_{b,l,h}_*.pth or a Hugging\n"
                           + "Face SamModel .safetensors (a TinyViT stem of 1x1 kernels is LiteMedSAM, of 3x3 MobileSAM)")
    let alignment = Option("alignment", .choice(AlignmentKind.allCases.map(\.rawValue)), defaultText: "simcmf",
                           help: "C channels -> SAM. LiteMedSAM/MobileSAM with C != 3: a pixel-space mixer\n"
                             + "in front of TinyViT, simcmf (gated) or baseline_d (plain 1x1), or zeroshot (the\n"
                             + "first three channels; C = 1: repeated; C = 2: channels 0, 1, 1); C = 3: none")
    let strategy = Option("strategy", .choice(ModelFactory.strategies), defaultText: "lora for a SAM ViT, full for a TinyViT SAM",
                          help: "SAM ViT: full, linear (patch/pos embedding), lora, adapter, prompt, prefix, ia3\n"
                            + "(learned k and v scales, both families); the alignment module always trains, the\n"
                            + "prompt encoder never.\n"
                            + "LiteMedSAM and MobileSAM: full (TinyViT + mask decoder), decoder (mask decoder\n"
                            + "only), lora (rank 16 on q, v of the 10 TinyViT attentions, rank 100 on q, v of the\n"
                            + "7 decoder attentions, as the reference's sam_lora: 707,584 values + the mixer)")
    let epochs = Option("epochs", .positiveInt("N"), defaultText: "\(defaults.epochs), the reference's", help: "epochs to train")
    let batch = Option("batch", .positiveInt("N"), defaultText: "\(defaults.batchSize)", help: "images per step (over all ranks under mpirun)")
    let microBatch = Option("micro-batch", .positiveInt("M"), defaultText: "the whole batch (each rank's share under mpirun)",
                            help: "images per forward and backward: the gradients of the batch's micro-batches are\n"
                              + "accumulated before the step (less memory; a divisor of --batch)")
    let learningRate = Option("lr", .number(in: 1e-12...10, "X"), defaultText: "\(defaults.learningRate)", help: "Adam's learning rate")
    let imageSize = Option("image-size", .positiveInt("S"), defaultText: "the checkpoint's, 1024 for official SAM",
                           help: "SAM input side (multiple of the patch size); a TinyViT SAM takes only its own:\n"
                             + "256 for LiteMedSAM, 1024 for MobileSAM")
    let valFraction = Option("val-fraction", .number(in: 0...0.99, "F"), default: 0.2, help: "share of the samples held out for validation")
    let seed = Option("seed", .seed("N"), default: 8888, help: "the seed of the split, the initialisation and the clicks")
    let normalize = Option("normalize", DatasetSelection.normalizationType, defaultText: "modality when it has constants, else stats",
                           help: "modality (its constants), stats (mean/std of the training split), range (min-max of\n"
                             + "the training split to [0, 1], the range LiteMedSAM was trained on) or none")
    let validateEvery = Option("validate-every", .positiveInt("N"), defaultText: "\(defaults.validationInterval), the reference's val_freq",
                               help: "validation before every N-th epoch")
    let validateLast = Flag("validate-last", help: "also validate after the last epoch (the reference never scores its last epoch's training)")
    let initialization = Option("init", .choice(ModelFactory.Initialization.allCases.map(\.rawValue)), default: "pretrained",
                                help: "pretrained or scratch: the TinyViT SAM's architecture with random seeded\n"
                                  + "weights, everything trains (the reference's from-scratch baseline; --strategy full)")
    let embeddingCache = Option("embedding-cache", .number(in: 0...1e7, "MIB"), defaultText: "1024; 0 disables",
                                help: "memory for image embeddings when nothing before or in the image encoder\n"
                                  + "trains (e.g. --strategy decoder with 3 channels or --alignment zeroshot): each\n"
                                  + "training image is encoded once, not every epoch")
    let resume = Flag("resume", help: "continue RUN_DIR from checkpoints/last.safetensors (epoch 0 if none yet) with its recorded\n"
                        + "model, split and normalisation (--epochs may be raised; --data/--modality/--plugin may point\n"
                        + "elsewhere but must give the same channel count)")
    let noOverlap = Flag("no-overlap", help: "under mpirun: sum the gradients over the ranks after the backward pass, not\n"
                           + "bucket by bucket during it (the same parameters bit for bit; for comparing step times)")
    let bucket = Option("bucket-mb", .number(in: 1e-6...4096, "MB"), defaultText: "26.2 (25 MiB, as PyTorch DDP)",
                        help: "under mpirun: MB (10^6 bytes) of gradients per bucket summed during backward")
    let precision = Option<Precision>.trainingPrecision
    let json = Flag("json", help: "print a summary as JSON on stdout")
    let dryRun = Flag("dry-run", help: "build the model and strategy, train nothing: trainable values per group (alignment,\n"
                        + "encoder, PEFT modules, decoder) and their total (JSON key trainableParameters)")
    let model = Option("model", .choice(ModelArchitecture.allCases.map(\.rawValue)),
                       help: "--dry-run --init scratch: the architecture to build without weights\n"
                         + "(mobile_sam: MobileSAM's TinyViT-5M at 1024 with SAM's prompt encoder and mask decoder)")
    let channels = Option("channels", .positiveInt("C"), help: "--dry-run: the input channels (instead of --modality or --manifest)")

    func run(_ args: ParsedArguments) throws -> Int32 {
        if args[self.dryRun] { return try runDry(args) }
        for option in [model, channels] as [any NamedArgument] where args.isGiven(option) {
            throw UsageError(message: "\(option.key) needs --dry-run (a run takes the architecture from --weights and C from the data)")
        }
        guard let out = args[self.out] else { throw UsageError(message: "--out is required") }
        let runFolder = URL(fileURLWithPath: out)
        let resume = args[self.resume]
        let start = Date()

        // The run: new, or the one being resumed (with its recorded model, split and normalisation).
        let run: TrainingRun
        if resume {
            let recorded: [any NamedArgument] = [weights, alignment, strategy, imageSize, seed, valFraction, normalize, batch, microBatch,
                                                 learningRate, initialization, validateEvery, selectOn]
            _ = try RunRecord.read(from: runFolder)   // a folder without a run is reported before any option conflict
            for option in recorded where args.isGiven(option) {
                throw UsageError(message: "\(option.key) cannot change on --resume (the run records it in \(RunRecord.fileName))")
            }
            run = try TrainingRun.resume(runFolder, modality: args[self.modality], plugin: args[self.plugin], data: args[self.data])
        } else {
            var options = TrainingRun.NewRunOptions(weights: URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path))
            options.modality = args[self.modality]; options.plugin = args[self.plugin]; options.data = args[self.data]
            options.manifest = args[self.manifest]; options.fraction = args[self.fraction]; options.splitScheme = args[self.splitScheme]
            options.selectOn = args[self.selectOn]?.rawValue
            options.alignment = args[self.alignment] ?? "simcmf"; options.strategy = args[self.strategy]; options.imageSize = args[self.imageSize]
            options.validationFraction = args.isGiven(self.valFraction) ? args.value(self.valFraction) : nil
            options.seed = args.value(self.seed); options.normalize = args[self.normalize]
            options.initialization = args.value(self.initialization)
            run = try TrainingRun.create(in: runFolder, options: options)
        }
        // Every rank has checked the folder before rank 0 writes into it.
        try Job.world.barrier()

        // A new run's training configuration (a resumed one takes its recorded config.json).
        var configuration = TrainingConfiguration()
        if !resume {
            if let b = args[self.batch] { configuration.batchSize = b }
            configuration.microBatchSize = args[self.microBatch]
            if let lr = args[self.learningRate] { configuration.learningRate = Float(lr) }
            if let v = args[self.validateEvery] { configuration.validationInterval = v }
            if args[self.validateLast] { configuration.validatesAfterLastEpoch = true }
            configuration.precision = args[self.precision] ?? .fp32
        }
        var line = TrainingProgressLine()
        let prints = Job.prints
        let summary = try run.train(configuration: configuration, epochs: args[self.epochs], precision: resume ? args[self.precision] : nil,
                                    embeddingCacheBytes: args[self.embeddingCache].map { Int($0 * 1_048_576) }, start: start,
                                    communicator: Job.world, overlapsGradientSums: !args[self.noOverlap],
                                    overlapBucketElements: args[self.bucket].map { Swift.max(1, Int($0 * 1e6 / 4)) },
                                    log: { if prints { Console.error("aims train: " + $0) } }) { p, epochs in
            if prints { line.draw(p, epochs: epochs) }
            FaultInjection.afterStep(p.globalStep, rank: Job.world.rank)
        }
        guard prints else { return 0 }
        if args[self.json] {
            try JSONOutput.print(summary)
        } else {
            print("\(runFolder.path): \(summary.epochsCompleted) epochs\(summary.precision == "fp32" ? "" : " (\(summary.precision) products)"), last loss \(summary.epochLosses.last.map { String(format: "%.4f", $0) } ?? "-")"
                  + (summary.bestValidationMIoU.map { String(format: ", best validation mIoU %.4f (before epoch %d)", $0, summary.bestEpoch ?? 0) } ?? ""))
            let m = summary.modelSelection
            print("model selection: \(m.split.rawValue)\(m.optimistic ? " (OPTIMISTIC)" : ""): \(m.note)")
        }
        return 0
    }

    /// `--dry-run`: the model and strategy as a run would build them, and what of them trains.
    func runDry(_ args: ParsedArguments) throws -> Int32 {
        let architecture = try args[self.model].map { name -> ModelArchitecture in
            guard args.value(self.initialization) == "scratch" else {
                throw UsageError(message: "--model builds an architecture without weights: it needs --init scratch")
            }
            return ModelArchitecture(rawValue: name)!
        }
        let channels: Int
        if let c = args[self.channels] {
            channels = c
        } else if let path = args[self.manifest] {
            channels = try ManifestSelection.load(path, data: args[self.data], modality: args[self.modality], plugin: args[self.plugin])
                .modality.channels.count
        } else if let id = args[self.modality] {
            channels = try DatasetSelection.modality(id, plugin: args[self.plugin]).channels.count
        } else {
            throw UsageError(message: "--dry-run needs the channel count: --channels C, --modality ID or --manifest")
        }
        let report = try TrainDryRun.report(weights: URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path),
                                            architecture: architecture, channels: channels,
                                            alignment: AlignmentKind(rawValue: args[self.alignment] ?? "simcmf")!, strategy: args[self.strategy],
                                            imageSize: args[self.imageSize],
                                            initialization: ModelFactory.Initialization(rawValue: args.value(self.initialization))!,
                                            seed: args.value(self.seed))
        guard Job.prints else { return 0 }
        if args[self.json] { try JSONOutput.print(report) } else { print(TrainDryRun.text(report)) }
        return 0
    }
}
