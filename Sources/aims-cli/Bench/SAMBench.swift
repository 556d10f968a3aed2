import Autodiff
import Foundation
import SimCMF
import TensorCore

/// `aims bench sam`: wall time of a SAM image encoder forward, or of one full fine-tuning step.
struct SAMBench: Command {
    static let name = "sam"
    static let summary = "time a SAM / LiteMedSAM encoder forward or one fine-tuning step"
    static let discussion = """
    Builds a randomly initialised SAM for a square input of --size pixels (a multiple of 16; the
    positional tables are sized for it), or LiteMedSAM from its checkpoint (256 pixels; --weights, which may
    also name a MobileSAM checkpoint, timed at 1024),
    and times, best of --repetitions after one warm-up:
      encoder     the image encoder forward without gradients (inference)
      train-full  one step of full fine-tuning: encoder + prompt encoder (one click per image) + mask
                  decoder (single mask), DiceCE loss on the low-resolution logits, backward into every
                  parameter, and an Adam step (SimCMF's full-FT setting; TinyViT's BatchNorms on batch
                  statistics, as in training)
      train-lora  the same step with the reference's LoRA (rank 100 on q and v of every attention; for
                  lite_medsam: rank 16 in TinyViT, 100 in the decoder): the encoder is
                  frozen, so backward skips its weight gradients
    The report includes the process's peak resident memory (model, activations, optimiser state).
    For the same measurement in PyTorch and the ratio: python3 scripts/bench_sam.py --model M --size S --mode X
    """

    let model = Option("model", .choice(["vit_b", "vit_l", "vit_h", "lite_medsam"]), default: "vit_b", help: "the model to build")
    let size = Option("size", .positiveInt("1024|512|256|..."), defaultText: "1024; 256 for lite_medsam", help: "the square input side in pixels")
    let mode = Option("mode", .choice(["encoder", "train-full", "train-lora"]), default: "encoder", help: "what to time (see above)")
    let batch = Option("batch", .positiveInt("N"), default: 1, help: "images per step")
    let repetitions = Option("repetitions", .positiveInt("N"), default: 3, help: "timed runs")
    let weights = Option("weights", .path("lite_medsam.pth"), defaultText: "$AIMS_CACHE/lite_medsam.pth", help: "LiteMedSAM's checkpoint")
    let precision = Option<Precision>.precision
    let json = Flag("json", help: "the report as JSON on stdout")

    struct Report: Codable {
        var model: String
        var size: Int
        var mode: String
        var batch: Int
        var precision: String
        var parameters: Int
        var seconds: [Double]
        var bestSeconds: Double
        var imagesPerSecond: Double
        /// Peak resident set size of the whole process, in MiB (getrusage).
        var peakResidentMiB: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let modelName = args.value(self.model)
        if modelName == "lite_medsam" { return try runLiteMedSAM(args) }
        guard var configuration = SAMConfiguration.named(modelName) else {
            throw UsageError(message: "--model must be vit_b, vit_l, vit_h or lite_medsam, got \(modelName)")
        }
        let size = args[self.size] ?? 1024
        let batch = args.value(self.batch), reps = args.value(self.repetitions)
        guard size % configuration.patchSize == 0 else {
            throw UsageError(message: "--size must be a multiple of \(configuration.patchSize), got \(size)")
        }
        let mode = args.value(self.mode)
        configuration.imageSize = size

        Console.error("building \(modelName) for \(size)x\(size) input …")
        let model = try SAMModel(configuration: configuration)
        var generator = SeededGenerator(seed: 7)
        let image = Tensor.normal([batch, 3, size, size], using: &generator)
        let step: () throws -> Void
        if mode == "encoder" {
            step = { _ = try withoutGradients { try model.encodeImage(Variable(image)) } }
        } else {
            let low = configuration.lowResMaskSize
            let target = Tensor.uniform([batch, 1, low, low], using: &generator).gt(0.5)
            let clicks = SAMPrompts.clicks((0..<batch).map { i in (Float(size / 2 + i), Float(size / 3)) })
            if mode == "train-lora" {
                // SimCMF's LoRA setting: the reference's rank-100 LoRA on q and v of every attention,
                // behind the zero-shot (RGB) alignment, so only the LoRA factors train.
                let cross = try CrossModalSAM(sam: model, alignment: .zeroshot, channels: 3, strategy: LoRATuning())
                let optimizer = Adam(cross.trainableParameters, learningRate: 3e-4)
                cross.setTraining(true)
                step = {
                    Loss.diceCE(try cross(Variable(image), prompts: clicks), target: target).backward()
                    optimizer.step()
                    optimizer.zeroGrad()
                }
            } else {
                let optimizer = Adam(model.parameters, learningRate: 1e-5)
                step = {
                    let (masks, _) = try model(Variable(image), prompts: clicks, multimaskOutput: false)
                    Loss.diceCE(masks, target: target).backward()
                    optimizer.step()
                    optimizer.zeroGrad()
                }
            }
        }
        return try Self.report(modelName: modelName, size: size, mode: mode, batch: batch, parameters: model.parameterCount,
                          repetitions: reps, precision: args.value(self.precision),
                          json: args[self.json], step: step)
    }

    /// A TinyViT SAM from its checkpoint at its own input side (LiteMedSAM 256, or MobileSAM 1024 when `--weights`
    /// names one): encoder forward, or a full step with a box prompt.
    private func runLiteMedSAM(_ args: ParsedArguments) throws -> Int32 {
        let batch = args.value(self.batch), reps = args.value(self.repetitions)
        let mode = args.value(self.mode)
        let weights = URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path)
        Console.error("loading LiteMedSAM from \(weights.path) …")
        let model = try LiteMedSAM(contentsOf: weights)
        let size = args[self.size] ?? model.inputSize
        guard size == model.inputSize else { throw UsageError(message: "--size: \(model.variant.name) runs at \(model.inputSize), got \(size)") }
        var generator = SeededGenerator(seed: 7)
        let image = Tensor.uniform([batch, 3, size, size], using: &generator)
        let step: () throws -> Void
        if mode == "encoder" {
            step = { _ = try withoutGradients { try model.encodeImage(Variable(image)) } }
        } else {
            let target = Tensor.uniform([batch, 1, model.maskSize, model.maskSize], using: &generator).gt(0.5)
            let boxes = Tensor(shape: [batch, 4], values: (0..<batch).flatMap { _ in [64, 64, 192, 192] as [Float] })
            if mode == "train-lora" { try model.prepare(LoRATuning(), generator: &generator) }
            // As the trainer runs it: TinyViT's BatchNorms take batch statistics when its weights train
            // (train-full, like PyTorch's `model.train()`), and stay folded when the encoder is frozen.
            model.setTraining(true)
            let optimizer = Adam(mode == "train-lora" ? model.trainableParameters : model.parameters, learningRate: 1e-5)
            step = {
                let (masks, _) = try model.segment(imageEmbeddings: try model.encodeImage(Variable(image)), prompts: SAMPrompts(boxes: boxes))
                Loss.diceCE(masks, target: target).backward()
                optimizer.step()
                optimizer.zeroGrad()
            }
        }
        let parameters = model.parameters.reduce(0) { $0 + $1.value.count }
        return try Self.report(modelName: "lite_medsam", size: size, mode: mode, batch: batch, parameters: parameters,
                          repetitions: reps, precision: args.value(self.precision),
                          json: args[self.json], step: step)
    }

    /// Times `step` (in `precision`) once to warm up and then `repetitions` times; prints the report.
    private static func report(modelName: String, size: Int, mode: String, batch: Int, parameters: Int, repetitions: Int,
                               precision: Precision, json: Bool, step: () throws -> Void) throws -> Int32 {
        var times: [Double] = []
        for run in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            try Precision.$current.withValue(precision) { try step() }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            Console.error(run == 0 ? String(format: "warm-up %.3f s", seconds) : String(format: "run %d: %.3f s", run, seconds))
            if run > 0 { times.append(seconds) }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let best = times.min() ?? 0
        let report = Report(model: modelName, size: size, mode: mode, batch: batch, precision: precision.rawValue, parameters: parameters,
                            seconds: times, bestSeconds: best, imagesPerSecond: best > 0 ? Double(batch) / best : 0,
                            peakResidentMiB: Double(usage.ru_maxrss) / 1024)
        if json {
            try JSONOutput.print(report)
        } else {
            Console.error(String(format: "%@ %dx%d %@ (batch %d): best %.3f s, %.2f img/s, peak RSS %.0f MiB", modelName, size, size,
                                 mode, batch, best, report.imagesPerSecond, report.peakResidentMiB))
        }
        return 0
    }
}
