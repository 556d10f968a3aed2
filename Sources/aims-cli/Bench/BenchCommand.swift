/// `aims bench <subcommand>`: measurements of the engine, of SAM and of mosaic conversion.
struct BenchCommand: Command {
    static let name = "bench"
    static let summary = "measure the tensor engine against the FMA peak, SAM encoder/training speed, mosaic conversion, or data-parallel training"
    static let discussion = "Measures this machine; each subcommand prints what it timed and, with --json, a report on stdout."
    static let subcommands: [any Command.Type] = [EngineBench.self, SAMBench.self, ConvertBench.self, DistributedBench.self]
}
