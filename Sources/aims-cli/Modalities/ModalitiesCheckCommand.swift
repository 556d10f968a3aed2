import Foundation
import Modalities
import Transforms

/// `aims modalities check SPEC.json DATASET_DIR [--json]`: loads a JSON plugin and decodes every sample it finds.
struct ModalitiesCheckCommand: Command {
    static let name = "check"
    static let summary = "check a JSON plugin against a dataset folder: every sample decoded, statistics, failures"
    static let discussion = """
    Loads the plugin (errors name the field), finds its samples under DATASET_DIR, decodes each one and
    its label, and reports counts, the image shapes, per-channel statistics over valid pixels, and every failure.
    Exit status: 0 when every sample decodes; 1 on failures (or no samples); 64 on usage errors.
    """

    let spec = Positional(.path("SPEC.json"), help: "the plugin's JSON specification")
    let dataset = Positional(.path("DATASET_DIR"), help: "the dataset folder to decode")
    let json = Flag("json", help: "machine-readable result on stdout")

    func run(_ args: ParsedArguments) throws -> Int32 {
        try Self.check(spec: URL(fileURLWithPath: args.value(spec)), dataset: URL(fileURLWithPath: args.value(dataset)), json: args[json])
    }

    static func check(spec: URL, dataset: URL, json: Bool) throws -> Int32 {
        let modality = try DeclarativeModality.load(spec)
        let samples = try modality.samples(in: dataset)
        var report = CheckReport(identifier: modality.identifier, dataset: dataset.path, channels: modality.channels.map(ChannelListing.init),
                                 samples: samples.count, decoded: 0, labelled: 0, shapes: [:], statistics: [], failures: [])
        var stats = ChannelStatistics(channelCount: modality.channels.count)
        var progress = ProgressReporter(label: "check \(modality.identifier)", total: samples.count, unit: "sample")
        for (k, sample) in samples.enumerated() {
            do {
                let t = try modality.transformSample(sample, root: dataset)
                stats.add(t.image.values, validMask: t.image.validMask)
                report.decoded += 1
                if t.label != nil { report.labelled += 1 }
                report.shapes["\(t.image.channelCount)x\(t.image.height)x\(t.image.width)", default: 0] += 1
            } catch {
                report.failures.append(.init(sample: sample.id, error: (error as? LocalizedError)?.errorDescription ?? "\(error)"))
            }
            progress.update(k + 1)
        }
        report.statistics = zip(modality.channels, stats.channels).map { c, s in
            .init(name: c.name, validPixels: s.count, min: s.count > 0 ? s.minimum : nil, max: s.count > 0 ? s.maximum : nil,
                  mean: s.count > 0 ? s.mean : nil, std: s.count > 0 ? s.standardDeviation : nil)
        }
        if json {
            try JSONOutput.print(report)
        } else {
            print("\(report.identifier): \(report.samples) samples in \(dataset.path), \(report.decoded) decoded, \(report.labelled) with labels, "
                  + "\(report.failures.count) failed")
            for (shape, n) in report.shapes.sorted(by: { $0.key < $1.key }) { print("  shape \(shape): \(n)") }
            if !report.shapesAgree { print("  note: samples differ in shape") }
            for s in report.statistics {
                guard let lo = s.min, let hi = s.max, let mean = s.mean else { print("  \(s.name): no valid pixels"); continue }
                print(String(format: "  %@: min %.6g  max %.6g  mean %.6g  (%d valid pixels)", s.name, lo, hi, mean, s.validPixels))
            }
            for f in report.failures { Console.error("aims modalities check: \(f.error)") }
        }
        return report.failures.isEmpty && report.samples > 0 ? 0 : 1
    }
}
