import Foundation
import Modalities
import Transforms

/// `aims modalities [--json] [--plugins DIR]` lists the registered modalities;
/// `aims modalities check SPEC.json DATASET_DIR [--json]` validates a JSON plugin on real files.
enum ModalitiesCommand: Command {
    static let name = "modalities"
    static let summary = "list sensor modalities; check a JSON plugin against a dataset folder"
    static let usage = """
    Usage: aims modalities [--json] [--plugins DIR]
           aims modalities check SPEC.json DATASET_DIR [--json]

    List: every built-in modality (and the JSON plugins in DIR) with its channels (name, unit, kind) and
    default normalisation. A composite is named by joining identifiers with '+', e.g. rgb+depth.
    Check: loads the plugin (errors name the field), finds its samples under DATASET_DIR, decodes each one and
    its label, and reports counts, the image shapes, per-channel statistics over valid pixels, and every failure.
    Options:
      --json          machine-readable result on stdout
      --plugins DIR   also register the *.json plugins in DIR (list only)
    Exit status: 0 when every sample decodes (check) / always (list); 1 on failures; 64 on usage errors.
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["plugins"], flagOptions: ["json"])
        if args.positional.first == "check" {
            guard args.positional.count == 3 else { throw UsageError(message: "check needs SPEC.json and DATASET_DIR") }
            return try check(spec: URL(fileURLWithPath: args.positional[1]), dataset: URL(fileURLWithPath: args.positional[2]),
                             json: args.flag("json"))
        }
        guard args.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(args.positional[0])'") }
        var registry = ModalityRegistry.standard
        if let dir = args.value("plugins") { try registry.registerPlugins(in: URL(fileURLWithPath: dir)) }
        let entries = registry.all.map(ModalityListing.init)
        if args.flag("json") {
            try JSONOutput.print(entries)
        } else {
            for e in entries {
                print("\(e.identifier)  (\(e.channels.count) channels)  \(e.summary)")
                print("    " + e.channels.map { "\($0.name) [\($0.unit), \($0.kind)]" }.joined(separator: ", "))
            }
        }
        return 0
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

struct ChannelListing: Encodable {
    var name: String
    var unit: String
    var kind: String

    init(_ c: ChannelDescriptor) {
        name = c.name
        unit = c.unit
        switch c.kind {
        case .intensity: kind = "intensity"
        case .angle(let period): kind = "angle(period \(String(format: "%.6g", period)) rad)"
        case .depth: kind = "depth"
        case .temperature: kind = "temperature"
        case .hounsfield: kind = "hounsfield"
        case .label: kind = "label"
        }
    }
}

struct ModalityListing: Encodable {
    var identifier: String
    var summary: String
    var channels: [ChannelListing]
    var normalization: NormalizationConstants?

    init(_ m: any Modality) {
        identifier = m.identifier
        summary = m.summary
        channels = m.channels.map(ChannelListing.init)
        normalization = m.normalization
    }
}

struct CheckReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case identifier, dataset, channels, samples, decoded, labelled, shapes, shapesAgree, statistics, failures
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(identifier, forKey: .identifier)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(channels, forKey: .channels)
        try c.encode(samples, forKey: .samples)
        try c.encode(decoded, forKey: .decoded)
        try c.encode(labelled, forKey: .labelled)
        try c.encode(shapes, forKey: .shapes)
        try c.encode(shapesAgree, forKey: .shapesAgree)
        try c.encode(statistics, forKey: .statistics)
        try c.encode(failures, forKey: .failures)
    }

    struct Failure: Encodable { var sample: String; var error: String }
    struct Statistics: Encodable {
        var name: String
        var validPixels: Int
        var min: Double?
        var max: Double?
        var mean: Double?
        var std: Double?
    }
    var identifier: String
    var dataset: String
    var channels: [ChannelListing]
    var samples: Int
    var decoded: Int
    var labelled: Int
    /// "CxHxW" → number of samples.
    var shapes: [String: Int]
    /// True when every decoded sample has the same shape.
    var shapesAgree: Bool { shapes.count <= 1 }
    var statistics: [Statistics]
    var failures: [Failure]
}
