import AIMS
import Foundation
import Modalities

/// `aims build`: an AIMS manifest of a dataset folder (splits, SHA-256, statistics, region counts, report).
struct BuildCommand: Command, RunsDistributed {
    static let name = "build"
    static let summary = "manifest of a dataset folder: splits, fractions, SHA-256, channel statistics, region counts, validation report"
    static let discussion = """
    Lists the samples of ROOT as the dataset's layout defines them (docs/REFERENCE.md §7: official splits from
    its folders or lists; generic: --layout's patterns and split lists, else a seeded testFraction split),
    then for every sample hashes its files (SHA-256), decodes it with the modality and counts its label
    regions at 1024x1024 (Pillow nearest): with the training rule count >= T, the test rule count > T
    and no threshold (T = the reference's CNT_THRESHOLD: zju-rgbp 10000, pgsnet 100, ivrg 1000, else none).
    Per-channel mean / std / min / max are computed over the decoded training split. A seeded part of the
    training split (--val-fraction) is recorded as `val`: the official scheme trains on train
    and, like the reference, validates on test; the validation scheme trains on train minus val.
    Missing, unreadable (truncated) and mis-sized files and samples without a passing region are listed in
    the manifest's report and on stderr; --strict makes any of them fatal (exit 1, nothing written).
    The manifest is written atomically, keys sorted, with no timestamps or absolute paths: rebuilding an
    unchanged folder gives the same bytes. Modalities per dataset: zju-rgbp: zju-rgbp, polarization-4angle;
    pgsnet: pgsnet_rgbp, pgsnet_p; nyudepthv2: rgbd, d, hha, rgbhha; ivrg-rgbnir: nir-ivrg, rgbnir;
    rgb-thermal-glass: t, rgbt; each also rgb. Progress with ETA on stderr.
    Under mpirun -np N each rank hashes and decodes a contiguous share of the samples; rank 0 gathers every
    sample's result and writes the manifest one process would write, byte for byte.
    """

    let root = Positional(.path("ROOT"), help: "the dataset folder")
    let dataset = Option("dataset", .choice(DatasetLayouts.names), required: true, help: "the dataset's layout")
    let modality = Option("modality", .string("ID"), required: true, help: "the modality that decodes each sample")
    let out = Option("out", .path("aims/NAME.json"), required: true, help: "the manifest to write")
    let layout = Option("layout", .path("LAYOUT.json"), help: "patterns and splits of --dataset generic (GenericLayoutSpec)")
    let plugin = Option("plugin", .path("SPEC.json"), help: "a JSON modality plugin to register first")
    let seed = Option("seed", .seed("S"), default: 8888, help: "the seed of the validation split and the fractions")
    let valFraction = Option("val-fraction", .number(in: 0...0.99, "F"), default: 0.1, help: "share of the training split recorded as val")
    let fractions = Option("fractions", .list(of: ValueType<Int>.int(in: 1...100), placeholder: "10,25,50,100"), default: [10, 25, 50, 100],
                           defaultText: "10,25,50,100", help: "nested seeded subsets of the training split, in percent")
    let strict = Flag("strict", help: "any problem is fatal (exit 1, nothing written)")
    let threads = Option("threads", .positiveInt("N"), defaultText: "the number of cores", help: "decoding threads")
    let json = Flag("json", help: "a summary as JSON on stdout")

    struct Summary: Encodable {
        var manifest: String
        var dataset: String
        var modality: String
        var samples: Int
        var train: Int
        var test: Int
        var val: Int
        var problems: [ValidationIssue]
        var referenceQuirks: Int
        var means: [Double]
        var standardDeviations: [Double]
        var seconds: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let dataset = args.value(self.dataset)
        let modalityID = args.value(self.modality)
        let out = args.value(self.out)
        let seed = args.value(self.seed)
        let valFraction = args.value(self.valFraction)
        let fractions = Array(Set(args.value(self.fractions))).sorted()
        let threads = args[self.threads] ?? ProcessInfo.processInfo.activeProcessorCount
        if args.isGiven(self.layout) && dataset != "generic" { throw UsageError(message: "--layout applies to --dataset generic only") }
        let spec = try args[self.layout].map { try GenericLayoutSpec.load(URL(fileURLWithPath: $0)) }
        let layout = try DatasetLayouts.layout(dataset, generic: spec)
        let modality = try DatasetSelection.modality(modalityID, plugin: args[self.plugin])
        let root = URL(fileURLWithPath: args.value(self.root)).standardizedFileURL
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        let start = Date()

        var builder = ManifestBuilder(layout: layout, modality: modality, root: root, manifest: outURL)
        builder.seed = seed
        builder.validationFraction = valFraction
        builder.fractions = fractions
        builder.threads = threads
        builder.communicator = Job.world
        let reporter = ProgressBox(label: "build: hash + decode", unit: "sample")
        if Job.prints { builder.progress = { done, total in reporter.update(done, total) } }
        let manifest = try builder.build()
        guard Job.prints else { return 0 }   // under mpirun, rank 0 writes and prints

        for issue in manifest.report.problems { Console.error("aims build: " + issue.line) }
        if args[self.strict] && !manifest.report.isClean { throw ManifestError.strictValidation(problems: manifest.report.problems) }
        try manifest.write(to: outURL)

        if args[self.json] {
            try JSONOutput.print(Summary(manifest: outURL.path, dataset: manifest.dataset, modality: modality.identifier, samples: manifest.samples.count,
                                         train: manifest.splits.train.count, test: manifest.splits.test.count, val: manifest.splits.val.count,
                                         problems: manifest.report.problems, referenceQuirks: manifest.report.referenceQuirks.count,
                                         means: manifest.statistics.means, standardDeviations: manifest.statistics.standardDeviations,
                                         seconds: Date().timeIntervalSince(start)))
        } else {
            print("\(outURL.path): \(manifest.samples.count) samples (\(manifest.splits.train.count) train, \(manifest.splits.test.count) test, "
                  + "\(manifest.splits.val.count) val carved from train), \(manifest.files.count) files hashed, "
                  + "\(manifest.report.problems.count) problem(s), \(manifest.report.referenceQuirks.count) reference quirk(s)")
        }
        return 0
    }
}

/// A `ProgressReporter` shared by worker threads (calls serialised by the builder).
final class ProgressBox: @unchecked Sendable {
    private var reporter: ProgressReporter?
    private let label: String, unit: String
    init(label: String, unit: String) { self.label = label; self.unit = unit }
    func update(_ done: Int, _ total: Int) {
        if reporter == nil { reporter = ProgressReporter(label: label, total: total, unit: unit) }
        reporter!.update(done)
    }
}
