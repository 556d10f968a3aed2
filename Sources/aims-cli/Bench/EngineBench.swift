import EngineBench
import Foundation

/// `aims bench engine`: GFLOP/s of the tensor engine on SAM ViT-B shapes beside the FMA peak.
struct EngineBench: Command {
    static let name = "engine"
    static let summary = "GFLOP/s of the tensor engine on SAM ViT-B shapes beside the FMA peak"
    static let discussion = """
    Times, on SAM ViT-B shapes: a GEMM (4096x768 by 768x3072), a 3x3 conv and the 16x16 patch
    embedding (forward+backward), window attention (25 windows of 196 tokens, 12 heads, relative
    position bias) and global attention (4096 tokens) forward+backward, and SAM ViT-B's own window and
    global encoder blocks (the ones training runs) forward+backward; prints GFLOP/s beside the FMA peak measured in the same run and
    the core type OpenBLAS chose (OPENBLAS_CORETYPE can halve OpenBLAS on AVX-512 CPUs).
    """

    let json = Flag("json", help: "the report as JSON on stdout")
    let quick = Flag("quick", help: "skip the global-attention entries (they need about 3 GB)")
    let repetitions = Option("repetitions", .positiveInt("N"), default: 3, help: "timed runs per entry, the best is kept")
    let profile = Flag("profile", help: "instead, the time of each stage of one ViT-B window block forward and its backward")

    func run(_ args: ParsedArguments) throws -> Int32 {
        let reps = args.value(repetitions)
        if args[profile] {
            for (stage, seconds) in ViTBlockWorkloads.profileWindowBlock() {
                Console.error(stage.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%8.4f s", seconds))
            }
            return 0
        }
        let report = EngineBenchmark.run(repetitions: reps, includeGlobal: !args[quick],
                                         workloads: ViTBlockWorkloads.workloads(includeGlobal: !args[quick])) { Console.error($0) }
        if args[json] {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            Console.error(report.text)
        }
        return 0
    }
}
