import Foundation
import SimCMF
import Tensor

/// `aims bench sam`: wall time of a SAM image encoder forward, or of one full fine-tuning step.
enum SAMBench {
    static let usage = """
    Usage: aims bench sam [--model vit_b|vit_l|vit_h] [--size 1024|512|256|…] [--mode encoder|train-full]
                          [--batch N] [--repetitions N] [--json]

    Builds a randomly initialised SAM for a square input of --size pixels (a multiple of 16; the
    positional tables are sized for it) and times, best of --repetitions after one warm-up:
      encoder     the image encoder forward without gradients (inference)
      train-full  one step of full fine-tuning: encoder + prompt encoder (one click per image) + mask
                  decoder (single mask), DiceCE loss on the low-resolution logits, backward into every
                  parameter, and an Adam step (SimCMF's full-FT setting)
      --batch N        images per step (default 1)
      --repetitions N  timed runs (default 3)
      --json           the report as JSON on stdout
    """

    struct Report: Codable {
        var model: String
        var size: Int
        var mode: String
        var batch: Int
        var parameters: Int
        var seconds: [Double]
        var bestSeconds: Double
        var imagesPerSecond: Double
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["model", "size", "mode", "batch", "repetitions"], flagOptions: ["json"])
        guard args.positional.isEmpty else { throw UsageError(message: "unexpected arguments \(args.positional)") }
        let modelName = args.value("model") ?? "vit_b"
        guard var configuration = SAMConfiguration.named(modelName) else {
            throw UsageError(message: "--model must be vit_b, vit_l or vit_h, got \(modelName)")
        }
        func positive(_ name: String, _ fallback: Int) throws -> Int {
            guard let text = args.value(name) else { return fallback }
            guard let n = Int(text), n > 0 else { throw UsageError(message: "--\(name) needs a positive integer, got \(text)") }
            return n
        }
        let size = try positive("size", 1024), batch = try positive("batch", 1), reps = try positive("repetitions", 3)
        guard size % configuration.patchSize == 0 else {
            throw UsageError(message: "--size must be a multiple of \(configuration.patchSize), got \(size)")
        }
        let mode = args.value("mode") ?? "encoder"
        guard mode == "encoder" || mode == "train-full" else { throw UsageError(message: "--mode must be encoder or train-full, got \(mode)") }
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
            let optimizer = Adam(model.parameters, learningRate: 1e-5)
            step = {
                let (masks, _) = try model(Variable(image), prompts: clicks, multimaskOutput: false)
                let loss = Loss.diceCE(masks, target: target)
                loss.backward()
                optimizer.step()
                optimizer.zeroGrad()
            }
        }
        var times: [Double] = []
        for run in 0...reps {
            let start = DispatchTime.now().uptimeNanoseconds
            try step()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            Console.error(run == 0 ? String(format: "warm-up %.3f s", seconds) : String(format: "run %d: %.3f s", run, seconds))
            if run > 0 { times.append(seconds) }
        }
        let best = times.min() ?? 0
        let report = Report(model: modelName, size: size, mode: mode, batch: batch, parameters: model.parameterCount,
                            seconds: times, bestSeconds: best, imagesPerSecond: best > 0 ? Double(batch) / best : 0)
        if args.flag("json") {
            try JSONOutput.print(report)
        } else {
            Console.error(String(format: "%@ %dx%d %@ (batch %d): best %.3f s, %.2f img/s", modelName, size, size, mode, batch,
                                 best, report.imagesPerSecond))
        }
        return 0
    }
}
