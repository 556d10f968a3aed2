import Foundation
import Modalities
import Transforms

/// `aims modalities [--json] [--plugins DIR]` lists the registered modalities; `aims modalities check`
/// (`ModalitiesCheckCommand`) validates a JSON plugin on real files.
struct ModalitiesCommand: Command {
    static let name = "modalities"
    static let summary = "list sensor modalities; check a JSON plugin against a dataset folder"
    static let discussion = """
    Lists every built-in modality (and the JSON plugins in DIR) with its channels (name, unit, kind) and
    default normalisation. A composite is named by joining identifiers with '+', e.g. rgb+depth.
    Exit status: 0; 64 on usage errors.
    """
    static let subcommands: [any Command.Type] = [ModalitiesCheckCommand.self]

    let json = Flag("json", help: "machine-readable result on stdout")
    let plugins = Option("plugins", .path("DIR"), help: "also register the *.json plugins in DIR")

    func run(_ args: ParsedArguments) throws -> Int32 {
        var registry = ModalityRegistry.standard
        if let dir = args[plugins] { try registry.registerPlugins(in: URL(fileURLWithPath: dir)) }
        let entries = registry.all.map(ModalityListing.init)
        if args[json] {
            try JSONOutput.print(entries)
        } else {
            for e in entries {
                print("\(e.identifier)  (\(e.channels.count) channels)  \(e.summary)")
                print("    " + e.channels.map { "\($0.name) [\($0.unit), \($0.kind)]" }.joined(separator: ", "))
            }
        }
        return 0
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
