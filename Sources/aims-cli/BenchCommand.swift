import Foundation
import Tensor

/// `aims bench engine [--json] [--quick]`: GFLOP/s of the tensor engine on SAM ViT-B shapes;
/// `aims bench sam …`: SAM encoder / fine-tuning step times (see `SAMBench`).
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "measure the tensor engine against the FMA peak, SAM encoder/training speed, or mosaic conversion"
    static let usage = """
    Usage: aims bench engine [--json] [--quick] [--repetitions N] [--profile]

    Times, on SAM ViT-B shapes: a GEMM (4096x768 by 768x3072), a 3x3 conv and the 16x16 patch
    embedding (forward+backward), window attention (25 windows of 196 tokens, 12 heads, relative
    position bias) and global attention (4096 tokens) forward+backward, and full ViT-B window and
    global blocks forward+backward; prints GFLOP/s beside the FMA peak measured in the same run and
    the core type OpenBLAS chose (OPENBLAS_CORETYPE can halve OpenBLAS on AVX-512 CPUs).
      --json           the report as JSON on stdout
      --quick          skip the global-attention entries (they need about 3 GB)
      --repetitions N  timed runs per entry, the best is kept (default 3)
      --profile        instead, the time of each stage of one ViT-B window block forward and its backward

    """ + SAMBench.usage + "\n" + ConvertBench.usage

    static func run(_ arguments: [String]) throws -> Int32 {
        if arguments.first == "sam" { return try SAMBench.run(Array(arguments.dropFirst())) }
        if arguments.first == "convert" { return try ConvertBench.run(Array(arguments.dropFirst())) }
        let args = try Arguments(arguments, valueOptions: ["repetitions"], flagOptions: ["json", "quick", "profile"])
        guard args.positional == ["engine"] else { throw UsageError(message: "expected `aims bench engine`, `aims bench sam` or `aims bench convert`") }
        let reps = try args.positiveInt("repetitions") ?? 3
        if args.flag("profile") {
            for (stage, seconds) in EngineBenchmark.profileWindowBlock() {
                Console.error(stage.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%8.4f s", seconds))
            }
            return 0
        }
        let report = EngineBenchmark.run(repetitions: reps, includeGlobal: !args.flag("quick")) { Console.error($0) }
        if args.flag("json") {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            Console.error(report.text)
        }
        return 0
    }
}
