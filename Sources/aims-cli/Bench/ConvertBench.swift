import AIMS
import Foundation
import ImageIO
import TensorCore
import Transforms

/// `aims bench convert`: a raw polarization mosaic (2448 × 2048, Sony IMX250MZR) to S0, DoLP and
/// AoLP, timed by stage. `scripts/bench_convert.py` runs polanalyser + NumPy on the same file in the
/// same run and prints the ratio.
struct ConvertBench: Command {
    static let name = "convert"
    static let summary = "time a polarization mosaic to S0, DoLP and AoLP by stage, or any modality's conversion"
    static let discussion = """
    Decodes a division-of-focal-plane mosaic, demosaics it (default `opencv`: OpenCV's bilinear, as
    polanalyser), and computes the Stokes vector, DoLP and AoLP; reports the best of N runs per stage.
    The last three are one fused pass (stage `polarimetry`, LinearStokes.polarimetry), as `aims convert`
    runs them; --separate times stokes, dolp and aolp one by one instead.
    Without --input, a seeded random 2448x2048 8-bit mosaic is generated in memory (no decode stage).
    For a comparison with polanalyser on the same file: python3 scripts/bench_convert.py FILE
    With --modality ID INPUT...: times `aims convert ID INPUT...` as a whole (decode and write, --format), the best of
    N runs over all inputs, in images written per second (e.g. --modality thermal --frames all fixtures/thermal).
    AIMS_THREADS=N sets the worker threads (default: the processor count).
    """

    let input = Option("input", .path("MOSAIC.png"), help: "the mosaic to decode (default: a synthetic one)")
    let repetitions = Option("repetitions", .positiveInt("N"), default: 5, help: "runs; the best per stage is kept")
    let method = Option("method", ValueType<DemosaicMethodName>.cases, default: .opencv, help: "the demosaicing interpolation")
    let separate = Flag("separate", help: "time stokes, dolp and aolp one by one instead of the fused pass")
    let json = Flag("json", help: "the report as JSON on stdout")
    let modality = Option("modality", .string("ID"), help: "instead, time aims convert of INPUT... with this modality")
    let inputs = Positional(.path("INPUT"), count: .zeroOrMore, help: "with --modality: files or folders to convert")
    let format = Option("format", ValueType<ConversionFormat>.cases, default: .tiff, help: "with --modality: the output format")
    let frames = Option("frames", ValueType<ChannelConversion.Frames>.cases, default: .first,
                        help: "with --modality: multi-frame inputs as aims convert --frames (first, all, stack)")

    struct Report: Codable {
        var input: String
        var width: Int
        var height: Int
        var method: String
        var repetitions: Int
        var threads: Int
        /// Best seconds per stage: decode, demosaic, then polarimetry (fused) or stokes, dolp, aolp.
        var seconds: [String: Double]
        var totalSeconds: Double
        var megapixelsPerSecond: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let reps = args.value(self.repetitions)
        if let id = args[modality] {
            guard !args.all(inputs).isEmpty else { throw UsageError(message: "--modality needs at least one INPUT") }
            let report = try ModalityConvertBench.run(modality: id, inputs: args.all(inputs), format: args.value(format),
                                                  frames: args.value(frames), repetitions: reps)
            if args[self.json] { try JSONOutput.print(report) } else {
                print(String(format: "%@ -> %@: %d input(s), %d image(s) in %.4f s (best of %d), %.1f files/s, %d thread(s)", id,
                             report.format, report.inputs, report.images, report.bestSeconds, reps, report.filesPerSecond, report.threads))
            }
            return 0
        }
        guard args.all(inputs).isEmpty else { throw UsageError(message: "INPUT is only used with --modality") }
        let methodName = args.value(self.method).rawValue
        let method = args.value(self.method).method
        let input = args[self.input].map { URL(fileURLWithPath: $0) }

        var best: [String: Double] = [:]
        func time<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try body()
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best[stage] = min(best[stage] ?? .infinity, s)
            return r
        }
        var mosaic = Tensor(shape: [1, 1])
        if input == nil {
            var g = SeededGenerator(seed: 7)
            mosaic = Tensor(shape: [2048, 2448]) { o in for i in 0..<o.count { o[i] = Float(g.next() % 256) } }
        }
        for rep in 0..<reps {
            if let input {
                mosaic = try time("decode") {
                    let t = try ImageReader.read(input).toTensor()
                    return t.reshaped([t.shape[1], t.shape[2]])
                }
            }
            let angles = try time("demosaic") { try PolarizationDemosaicing.demosaicMono(mosaic, method: method) }
            if args[self.separate] {
                let stokes = try time("stokes") { try LinearStokes.stokes(angleImages: angles) }
                _ = try time("dolp") { try LinearStokes.degreeOfLinearPolarization(stokes: stokes) }
                _ = try time("aolp") { try LinearStokes.angleOfLinearPolarization(stokes: stokes) }
            } else {
                _ = try time("polarimetry") { try LinearStokes.polarimetry(angleImages: angles) }
            }
            Console.error("bench convert: run \(rep + 1)/\(reps)")
        }
        let total = best.values.reduce(0, +)
        let (h, w) = (mosaic.shape[0], mosaic.shape[1])
        let report = Report(input: input?.path ?? "synthetic", width: w, height: h, method: methodName, repetitions: reps,
                            threads: Parallel.workerCount, seconds: best, totalSeconds: total,
                            megapixelsPerSecond: Double(w * h) / 1e6 / total)
        if args[self.json] {
            try JSONOutput.print(report)
        } else {
            for stage in ["decode", "demosaic", "polarimetry", "stokes", "dolp", "aolp"] where best[stage] != nil {
                print(stage.padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: "%8.4f s", best[stage]!))
            }
            print(String(format: "total     %8.4f s  (%d x %d, %.1f Mpixel/s)", total, w, h, report.megapixelsPerSecond))
        }
        return 0
    }
}
