import AIMS
import Foundation
import Modalities
import Transforms

/// The modality and dataset folder of `aims train` / `aims eval`, and the normalisation choice.
enum DatasetSelection {
    /// The standard registry plus an optional JSON plugin, then the modality `identifier`.
    static func modality(_ identifier: String, plugin: String?) throws -> any Modality {
        var registry = ModalityRegistry.standard
        if let plugin { try registry.registerPlugin(at: URL(fileURLWithPath: plugin)) }
        return try registry.require(identifier)
    }

    /// `--normalize modality|stats|range|none` as given (nil when absent), checked without a modality.
    static func normalizationOption(_ option: String?) throws -> (name: String, choice: ExampleNormalization)? {
        switch option {
        case nil: return nil
        case "modality": return ("modality", .modality)
        case "stats", "statistics": return ("statistics", .statistics)
        case "range": return ("range", .range)
        case "none": return ("none", .none)
        case let other?: throw UsageError(message: "--normalize must be modality, stats, range or none, got \(other)")
        }
    }

    /// `--normalize` of `aims train` and `aims eval`: the name as given, checked by `normalizationOption`.
    static let normalizationType = ValueType<String>(placeholder: "modality|stats|range|none", expectation: "modality, stats, range or none") {
        (try? normalizationOption($0)) == nil ? nil : $0
    }

    /// `--normalize`; default: the modality's constants when it has them, else statistics.
    static func normalization(_ option: String?, modality: any Modality) throws -> (name: String, choice: ExampleNormalization) {
        try normalizationOption(option) ?? (modality.normalization != nil ? ("modality", .modality) : ("statistics", .statistics))
    }

    static func constants(means: [Double]?, standardDeviations: [Double]?) throws -> ExampleNormalization {
        guard let means, let standardDeviations else { return .none }
        return .constants(try ChannelNormalization(means: means, standardDeviations: standardDeviations))
    }
}

/// `--manifest aims/NAME.json` of `aims train` / `aims eval`: the modality, dataset root, samples and split of an
/// `aims build` manifest, with every used file checked against its recorded SHA-256.
struct ManifestSelection {
    let manifest: Manifest
    let url: URL
    let root: URL
    let modality: any Modality
    /// All samples of the manifest (their files), for `ModalityExampleSource(samples:ids:)`.
    let samples: [SampleFiles]

    /// - Parameters: data: overrides the manifest's root; modality: must match the manifest's when given.
    static func load(_ path: String, data: String?, modality id: String?, plugin: String?) throws -> ManifestSelection {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let manifest = try Manifest.read(from: url)
        if let id, id != manifest.modality.identifier {
            throw UsageError(message: "--modality \(id) differs from the manifest's \(manifest.modality.identifier) (\(url.path))")
        }
        let modality = try DatasetSelection.modality(manifest.modality.identifier, plugin: plugin)
        guard modality.channels.count == manifest.modality.channels.count else {
            throw ManifestError.invalidSetting(field: "\(url.lastPathComponent): modality.channels", expected: "\(modality.channels.count) channels of \(modality.identifier)",
                                               got: "\(manifest.modality.channels.count)")
        }
        let root = data.map { URL(fileURLWithPath: $0) } ?? Manifest.root(of: manifest, at: url)
        return ManifestSelection(manifest: manifest, url: url, root: root, modality: modality, samples: manifest.samples.map(\.files))
    }

    /// Training and validation ids: scheme `official` (train; validate on test, as the reference) or `validation`
    /// (train minus val; validate on val), training restricted to the `fraction` percent subset when given.
    func split(scheme: String, fraction: Int?) throws -> SampleSplit {
        var training: [String], validation: [String]
        switch scheme {
        case "official": training = manifest.splits.train; validation = manifest.splits.test
        case "validation": training = manifest.splits.validationTrain; validation = manifest.splits.val
        default: throw UsageError(message: "--split-scheme must be official or validation, got \(scheme)")
        }
        if let fraction {
            guard let subset = manifest.fractions["\(fraction)"] else {
                throw UsageError(message: "--fraction \(fraction): the manifest has fractions \(manifest.fractions.keys.sorted { Int($0)! < Int($1)! }.joined(separator: ", "))")
            }
            let keep = Set(subset)
            training = training.filter { keep.contains($0) }
        }
        guard !training.isEmpty else { throw UsageError(message: "the \(scheme) scheme\(fraction.map { " at \($0)%" } ?? "") has no training sample") }
        return SampleSplit(training: training, validation: validation)
    }

    /// Refuses (naming each file) when a file of these samples differs from the manifest.
    func requireUnchanged(_ ids: [String]) throws { try manifest.requireUnchanged(root: root, samples: ids) }

    /// The manifest's training-split statistics as normalisation constants.
    var statistics: ExampleNormalization {
        get throws { try DatasetSelection.constants(means: manifest.statistics.means, standardDeviations: manifest.statistics.standardDeviations) }
    }

    /// The normalisation a `--normalize` option gives with this manifest: its training-split statistics for
    /// `stats` (the default) and `range` (min–max to [0, 1]); nil for `modality` and `none`, which need no data.
    func normalization(_ option: String?) throws -> (name: String, choice: ExampleNormalization)? {
        switch option {
        case nil: return ("manifest", try statistics)
        case "stats"?, "statistics"?: return ("manifest statistics", try statistics)
        case "range"?:
            let c = manifest.statistics.channels
            return ("manifest range", .constants(try ChannelNormalization(minima: c.map(\.min), maxima: c.map(\.max))))
        default: return nil
        }
    }
}
