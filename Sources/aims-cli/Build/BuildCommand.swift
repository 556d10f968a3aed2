import AIMS
import Foundation
import Modalities

/// `aims build`: an AIMS manifest of a dataset folder (splits, SHA-256, statistics, region counts, report).
enum BuildCommand: Command {
    static let name = "build"
    static let summary = "manifest of a dataset folder: splits, fractions, SHA-256, channel statistics, region counts, validation report"
    static let usage = """
    Usage: aims build ROOT --dataset zju-rgbp|pgsnet|nyudepthv2|ivrg-rgbnir|rgb-thermal-glass|generic
                      --modality ID --out aims/NAME.json [--layout LAYOUT.json] [--plugin SPEC.json]
                      [--seed S] [--val-fraction F] [--fractions 10,25,50,100] [--strict] [--threads N] [--json]

    Lists the samples of ROOT as the dataset's layout defines them (docs/REFERENCE.md §7: official splits from
    its folders or lists; generic: --layout's patterns and split lists, else a seeded testFraction split),
    then for every sample hashes its files (SHA-256), decodes it with the modality and counts its label
    regions at 1024x1024 (Pillow nearest): with the training rule count >= T, the test rule count > T
    and no threshold (T = the reference's CNT_THRESHOLD: zju-rgbp 10000, pgsnet 100, ivrg 1000, else none).
    Per-channel mean / std / min / max are computed over the decoded training split. A seeded part of the
    training split (--val-fraction, default 0.1) is recorded as `val`: the official scheme trains on train
    and, like the reference, validates on test; the validation scheme trains on train minus val.
    --fractions: nested seeded subsets of the training split, in percent (default 10,25,50,100).
    Missing, unreadable (truncated) and mis-sized files and samples without a passing region are listed in
    the manifest's report and on stderr; --strict makes any of them fatal (exit 1, nothing written).
    The manifest is written atomically, keys sorted, with no timestamps or absolute paths: rebuilding an
    unchanged folder gives the same bytes. Modalities per dataset: zju-rgbp: zju-rgbp, polarization-4angle;
    pgsnet: pgsnet_rgbp, pgsnet_p; nyudepthv2: rgbd, d, hha, rgbhha; ivrg-rgbnir: nir-ivrg, rgbnir;
    rgb-thermal-glass: t, rgbt; each also rgb. Progress with ETA on stderr.
    """

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

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["dataset", "modality", "out", "layout", "plugin", "seed", "val-fraction", "fractions", "threads"],
                                 flagOptions: ["strict", "json"])
        guard args.positional.count == 1 else {
            throw UsageError(message: args.positional.isEmpty ? "ROOT (the dataset folder) is required" : "unexpected argument '\(args.positional[1])'")
        }
        guard let dataset = args.value("dataset") else { throw UsageError(message: "--dataset NAME is required") }
        guard let modalityID = args.value("modality") else { throw UsageError(message: "--modality ID is required") }
        guard let out = args.value("out") else { throw UsageError(message: "--out FILE is required") }
        let seed = try args.seed() ?? 8888
        let valFraction = try args.number("val-fraction", in: 0...0.99) ?? 0.1
        var fractions = [10, 25, 50, 100]
        if let text = args.value("fractions") {
            fractions = try text.split(separator: ",").map {
                guard let p = Int($0.trimmingCharacters(in: .whitespaces)), (1...100).contains(p) else {
                    throw UsageError(message: "--fractions needs comma-separated percents in 1...100, got '\(text)'")
                }
                return p
            }
            fractions = Array(Set(fractions)).sorted()
        }
        let threads = try args.positiveInt("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        if args.value("layout") != nil && dataset != "generic" { throw UsageError(message: "--layout applies to --dataset generic only") }
        let spec = try args.value("layout").map { try GenericLayoutSpec.load(URL(fileURLWithPath: $0)) }
        let layout = try DatasetLayouts.layout(dataset, generic: spec)
        let modality = try DatasetSelection.modality(modalityID, plugin: args.value("plugin"))
        let root = URL(fileURLWithPath: args.positional[0]).standardizedFileURL
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        let start = Date()

        var builder = ManifestBuilder(layout: layout, modality: modality, root: root,
                                      rootRecord: relativePath(from: outURL.deletingLastPathComponent(), to: root))
        builder.seed = seed
        builder.validationFraction = valFraction
        builder.fractions = fractions
        builder.threads = threads
        let reporter = ProgressBox(label: "build: hash + decode", unit: "sample")
        builder.progress = { done, total in reporter.update(done, total) }
        let manifest = try builder.build()

        for issue in manifest.report.problems { Console.error("aims build: " + issue.line) }
        if args.flag("strict") && !manifest.report.isClean { throw ManifestError.strictValidation(problems: manifest.report.problems) }
        try manifest.write(to: outURL)

        if args.flag("json") {
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

    /// `to` relative to the folder `from` (both absolute, standardised), e.g. `../data/NYUDepthv2`.
    static func relativePath(from: URL, to: URL) -> String {
        let a = from.pathComponents, b = to.pathComponents
        var common = 0
        while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
        let parts = Array(repeating: "..", count: a.count - common) + b[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
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
