import AIMS
import Distributed
import Foundation
import SimCMF
import TensorCore

/// `aims bench distributed`: what data-parallel training costs on this machine or cluster: the rank-order sum
/// (and MPI_Allreduce) of gradient-sized buffers, and the step time of the real trainer on N ranks against one
/// process with all the threads (docs/SCALING.md reads these figures).
struct DistributedBench: Command, RunsDistributed {
    static let name = "distributed"
    static let summary = "allreduce bandwidth and data-parallel step time (run under mpirun, or --compare N)"
    static let discussion = """
    Under mpirun -np N: (1) for each buffer size, the best of --repetitions of the rank-order sum aims uses
    for gradients (MPI_Alltoall reduce-scatter summed in rank order + MPI_Allgather) and of MPI_Allreduce, as
    seconds and bus bandwidth (2(N-1)/N of the buffer crosses each rank's link, the figure NCCL and OSU
    report); the rank-order sum is checked bit for bit against the sum each rank computes locally from every
    rank's values (sizes up to 16 Mi values); (2) --steps optimizer steps of the trainer (after one warm-up)
    on synthetic 3-channel examples, --batch-per-rank images per rank, gradients summed over the ranks,
    twice: without overlap (summed after backward), then with (bucket by bucket during backward), and the
    ratio of their step times.
    Default sizes: the trainable values of the model built (LiteMedSAM LoRA 0.7 M, full 9.8 M) and of ViT-B
    (LoRA 4.9 M, full fine-tuning 94.3 M: 377 MB).
    Run alone with --compare N: the step on this one process (all its threads), then the same global batch
    under `mpirun -np N [--mpirun-args]` of this command (each rank with cores / N threads), and the ratio.
    """

    let weights = Option("weights", .path("FILE"), defaultText: "LiteMedSAM, $AIMS_CACHE/lite_medsam.pth",
                         help: "the model whose training step is timed (any weights aims train takes)")
    let strategy = Option("strategy", .choice(ModelFactory.strategies), default: "lora", help: "what trains (see aims train)")
    let batchPerRank = Option("batch-per-rank", .positiveInt("B"), default: 1, help: "images per rank per step")
    let steps = Option("steps", .positiveInt("N"), default: 3, help: "timed optimizer steps (after one warm-up step)")
    let sizes = Option("sizes", .list(of: .number(in: 1e-6...4096, "MB"), placeholder: "MB,..."),
                       defaultText: "the model's gradients, and ViT-B's LoRA and full",
                       help: "buffer sizes of the sum, in MB (10^6 bytes) of Float32")
    let repetitions = Option("repetitions", .positiveInt("N"), default: 3, help: "timed runs of each sum (best reported)")
    let compare = Option("compare", .int(in: 2...512, "N"), help: "run alone: time this process, then N ranks under mpirun, and compare")
    let mpirunArgs = Option("mpirun-args", .string("ARGS"), default: "",
                            help: "with --compare: options for mpirun, e.g. \"--mca btl self,tcp\" to time TCP instead of\n"
                              + "shared memory (as root, OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)=1 are added for the child)")
    let json = Flag("json", help: "the report as JSON on stdout")

    /// ViT-B's trainable values (`aims train --dry-run --init scratch --model vit_b --channels 3`): LoRA, full.
    static let vitBGradients = [("vit_b lora", 4_868_030), ("vit_b full", 94_322_082)]

    struct SumTiming: Codable {
        var label: String
        var values: Int
        var megabytes: Double
        var rankOrderSeconds: Double
        var allreduceSeconds: Double
        /// 2(N−1)/N · bytes / seconds, in GB/s.
        var rankOrderBusGBps: Double
        var allreduceBusGBps: Double
        /// The rank-order sum equals every rank's locally computed rank-order sum bit for bit (nil: not checked).
        var verified: Bool?
    }

    struct StepTiming: Codable {
        var ranks: Int
        var threadsPerRank: Int
        var model: String
        var strategy: String
        var gradientValues: Int
        var batchPerRank: Int
        var globalBatch: Int
        var stepSeconds: [Double]
        var meanStepSeconds: Double
        var imagesPerSecond: Double
        /// Of the timed steps, the mean seconds spent exchanging with the other ranks (`Trainer.communicationSeconds`).
        var meanCommunicationSeconds: Double
        /// Whether the gradients were summed during backward (`Trainer.overlapsGradientSums`; nil for one rank).
        var overlapped: Bool?
    }

    /// The same steps without and with overlap, in one run (under mpirun).
    struct OverlapComparison: Codable {
        var withoutOverlap: StepTiming
        var withOverlap: StepTiming
        /// withoutOverlap.meanStepSeconds / withOverlap.meanStepSeconds (above 1: overlap pays).
        var speedup: Double
    }

    struct Comparison: Codable {
        var single: StepTiming
        var distributed: StepTiming
        /// single.meanStepSeconds / distributed.meanStepSeconds (same global batch, same machine).
        var speedup: Double
    }

    struct Report: Codable {
        var ranks: Int
        var mpiLibrary: String?
        var sums: [SumTiming]
        var step: StepTiming
        var overlap: OverlapComparison?
        var comparison: Comparison?
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let world = Job.world
        if world.size == 1, args[self.compare] == nil, !args.isGiven(self.sizes) {
            Console.error("aims bench distributed: one process: timing the step only (run under mpirun -np N for the sums, or pass --compare N)")
        }
        if world.size > 1, args[self.compare] != nil { throw UsageError(message: "--compare runs mpirun itself: run it without mpirun") }
        let built = try ModelFactory.build(weights: URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path),
                                           channels: 3, alignment: .zeroshot, strategy: args.value(self.strategy), imageSize: nil, seed: 8888)
        let gradientValues = built.model.trainableParameters.reduce(0) { $0 + $1.value.count }

        var sums: [SumTiming] = []
        if world.size > 1 {
            let sizes = args[self.sizes].map { $0.map { ("\($0) MB", Int(($0 * 1e6 / 4).rounded())) } }
                ?? [("model \(built.strategy)", gradientValues)] + Self.vitBGradients
            for (label, values) in sizes where values > 0 {
                sums.append(try Self.timeSum(label: label, values: values, repetitions: args.value(self.repetitions), on: world))
                if Job.prints { Console.error(Self.text(sums.last!)) }
            }
        }
        // With --compare, this process times the global batch of the n ranks (n × B images) alone.
        let perRank = args.value(self.batchPerRank) * (args[self.compare] ?? 1)
        var overlap: OverlapComparison?
        if world.size > 1 {
            let without = try Self.timeSteps(built, steps: args.value(self.steps), batchPerRank: perRank, overlap: false, on: world)
            if Job.prints { Console.error(Self.text(without)) }
            let with = try Self.timeSteps(built, steps: args.value(self.steps), batchPerRank: perRank, overlap: true, on: world)
            if Job.prints { Console.error(Self.text(with)) }
            overlap = OverlapComparison(withoutOverlap: without, withOverlap: with, speedup: without.meanStepSeconds / with.meanStepSeconds)
            if Job.prints { Console.error(String(format: "overlap: step %.3f s without, %.3f s with: speedup %.2f", without.meanStepSeconds,
                                                 with.meanStepSeconds, overlap!.speedup)) }
        }
        let step = try overlap?.withOverlap ?? Self.timeSteps(built, steps: args.value(self.steps), batchPerRank: perRank, overlap: true, on: world)
        if world.size == 1, Job.prints { Console.error(Self.text(step)) }

        var comparison: Comparison?
        var childOverlap: OverlapComparison?
        if let n = args[self.compare] {
            let child = try Self.launch(ranks: n, mpirunArgs: args.value(self.mpirunArgs), arguments: args, batchPerRank: args.value(self.batchPerRank))
            comparison = Comparison(single: step, distributed: child.step, speedup: step.meanStepSeconds / child.step.meanStepSeconds)
            sums = child.sums   // the child's rank 0 printed them, and its step
            childOverlap = child.overlap
            Console.error(Self.text(comparison!))
        }
        guard Job.prints else { return 0 }
        let report = Report(ranks: world.size, mpiLibrary: (world as? MPICommunicator)?.libraryVersion, sums: sums, step: step,
                            overlap: overlap ?? comparison.flatMap { _ in childOverlap }, comparison: comparison)
        if args[self.json] { try JSONOutput.print(report) }
        return 0
    }

    /// The best of `repetitions` rank-order sums and MPI_Allreduces of `values` Float32 values, and the check of the
    /// rank-order sum against a local recomputation (up to 16 Mi values).
    static func timeSum(label: String, values: Int, repetitions: Int, on world: any Communicator) throws -> SumTiming {
        guard let mpi = world as? MPICommunicator else { throw UsageError(message: "the sums need mpirun") }
        func data(rank: Int) -> [Float] {
            var g = SeededGenerator(seed: UInt64(1000 + rank))
            return (0..<values).map { _ in g.nextUniform() - 0.5 }
        }
        let mine = data(rank: world.rank)
        var buffer = mine
        var ordered = Double.infinity, native = Double.infinity
        for _ in 0..<repetitions {
            buffer = mine
            try world.barrier()
            var t = MPICommunicator.wallTime
            try buffer.withUnsafeMutableBufferPointer { try world.sumInRankOrder($0) }
            ordered = min(ordered, MPICommunicator.wallTime - t)
            var other = mine
            try world.barrier()
            t = MPICommunicator.wallTime
            try other.withUnsafeMutableBufferPointer { try mpi.nativeAllreduceSum($0) }
            native = min(native, MPICommunicator.wallTime - t)
        }
        // The slowest rank's time is the collective's.
        let slowest = try world.allGather(values: [ordered, native])
        ordered = slowest.map { $0[0] }.max()!; native = slowest.map { $0[1] }.max()!
        var verified: Bool?
        if values <= 16 << 20 {
            var expected = data(rank: 0)
            for r in 1..<world.size { let d = data(rank: r); for i in 0..<values { expected[i] += d[i] } }
            let same = zip(expected, buffer).allSatisfy { $0.bitPattern == $1.bitPattern }
            verified = try world.allGather(value: same ? UInt8(1) : 0).allSatisfy { $0 == 1 }
        }
        let bytes = Double(values * 4), bus = 2 * Double(world.size - 1) / Double(world.size) * bytes
        return SumTiming(label: label, values: values, megabytes: bytes / 1e6, rankOrderSeconds: ordered, allreduceSeconds: native,
                         rankOrderBusGBps: bus / ordered / 1e9, allreduceBusGBps: bus / native / 1e9, verified: verified)
    }

    /// `steps` + 1 steps of the trainer (the first is the warm-up) on synthetic examples: a uniform image and a
    /// centred square region per example, clicks drawn as in training; global batch `ranks × batchPerRank`.
    static func timeSteps(_ built: ModelFactory.Built, steps: Int, batchPerRank: Int, overlap: Bool, on world: any Communicator) throws -> StepTiming {
        let model = built.model, s = model.inputSize, c = model.inputChannels
        let batch = batchPerRank * world.size
        var g = SeededGenerator(seed: 5)
        let examples = (0..<((steps + 1) * batch)).map { i -> TrainingExample in
            let lo = s / 4 + i % (s / 8), hi = lo + s / 3
            let ids = (0..<(s * s)).map { p -> Int32 in (lo..<hi).contains(p / s) && (lo..<hi).contains(p % s) ? 1 : 0 }
            return TrainingExample(id: "synthetic-\(i)", image: Tensor.uniform([c, s, s], using: &g), label: LabelMap(height: s, width: s, ids: ids))
        }
        var configuration = TrainingConfiguration()
        configuration.epochs = 1; configuration.batchSize = batch; configuration.referenceOrder = true
        let trainer = try Trainer(model: model, configuration: configuration)
        trainer.communicator = world
        trainer.overlapsGradientSums = overlap
        trainer.embeddingCacheBytes = 0
        var marks: [Double] = [], exchanged: [Double] = []
        trainer.progress = { [unowned trainer] _ in
            marks.append(Date().timeIntervalSinceReferenceDate); exchanged.append(trainer.communicationSeconds)
        }
        try trainer.run(training: InMemoryExampleSource(examples))
        let seconds = zip(marks.dropFirst(), marks).map { $0 - $1 }
        let mean = seconds.reduce(0, +) / Double(max(seconds.count, 1))
        let communication = ((exchanged.last ?? 0) - (exchanged.first ?? 0)) / Double(max(seconds.count, 1))
        return StepTiming(ranks: world.size, threadsPerRank: Parallel.workerCount, model: built.description, strategy: built.strategy,
                          gradientValues: model.trainableParameters.reduce(0) { $0 + $1.value.count }, batchPerRank: batchPerRank,
                          globalBatch: batch, stepSeconds: seconds, meanStepSeconds: mean, imagesPerSecond: Double(batch) / mean,
                          meanCommunicationSeconds: communication, overlapped: world.size > 1 ? overlap : nil)
    }

    /// Runs this command under `mpirun -np ranks` (same weights, strategy, steps and sizes) and reads its JSON report.
    static func launch(ranks: Int, mpirunArgs: String, arguments args: ParsedArguments, batchPerRank: Int) throws -> Report {
        let bench = DistributedBench()
        var command = ["-np", String(ranks)] + mpirunArgs.split(separator: " ").map(String.init)
        command += ["/proc/self/exe", "bench", "distributed", "--json", "--batch-per-rank", String(batchPerRank),
                    "--strategy", args.value(bench.strategy), "--steps", String(args.value(bench.steps)),
                    "--repetitions", String(args.value(bench.repetitions))]
        if let w = args[bench.weights] { command += ["--weights", w] }
        if let s = args[bench.sizes] { command += ["--sizes", s.map { "\($0)" }.joined(separator: ",")] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["mpirun"] + command.map { $0 == "/proc/self/exe" ? (Bundle.main.executablePath ?? CommandLine.arguments[0]) : $0 }
        var environment = ProcessInfo.processInfo.environment
        // The child's ranks choose their own threads (RankThreads); this process's settings must not leak into them.
        for key in ["AIMS_THREADS", "OPENBLAS_NUM_THREADS", BLASEnvironment.marker] { environment[key] = nil }
        if getuid() == 0 { environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"; environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1" }
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        Console.error("aims bench distributed: mpirun " + command.joined(separator: " "))
        do { try process.run() } catch {
            throw UsageError(message: "--compare: cannot run mpirun (\(error.localizedDescription)); install openmpi-bin (scripts/ensure-deps)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw UsageError(message: "--compare: mpirun -np \(ranks) exited with status \(process.terminationStatus) (its messages are above)")
        }
        return try JSONDecoder().decode(Report.self, from: data)
    }

    static func text(_ s: SumTiming) -> String {
        String(format: "sum of %@ (%.1f MB): rank-order %.4f s (%.2f GB/s bus), MPI_Allreduce %.4f s (%.2f GB/s bus)%@", s.label, s.megabytes,
               s.rankOrderSeconds, s.rankOrderBusGBps, s.allreduceSeconds, s.allreduceBusGBps,
               s.verified.map { $0 ? ", bit-exact" : ", NOT the rank-order sum" } ?? "")
    }

    static func text(_ t: StepTiming) -> String {
        String(format: "step of %@ (%@, %d values): %d rank(s) x %d thread(s)%@, batch %d: %.3f s (%.3f s exchanging), %.2f img/s", t.model,
               t.strategy, t.gradientValues, t.ranks, t.threadsPerRank, t.overlapped.map { $0 ? ", overlapped" : ", not overlapped" } ?? "", t.globalBatch, t.meanStepSeconds, t.meanCommunicationSeconds,
               t.imagesPerSecond)
    }

    static func text(_ c: Comparison) -> String {
        String(format: "same global batch %d: 1 rank x %d threads %.3f s, %d ranks x %d thread(s) %.3f s: speedup %.2f", c.single.globalBatch,
               c.single.threadsPerRank, c.single.meanStepSeconds, c.distributed.ranks, c.distributed.threadsPerRank,
               c.distributed.meanStepSeconds, c.speedup)
    }
}
