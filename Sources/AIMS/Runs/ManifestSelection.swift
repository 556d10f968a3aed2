import Foundation
import Modalities
import Transforms

/// `--manifest aims/NAME.json` of `aims train` / `aims eval`: the modality, dataset root, samples and split of an
/// `aims build` manifest, with every used file checked against its recorded SHA-256.
public struct ManifestSelection {
    public let manifest: Manifest
    public let url: URL
    public let root: URL
    public let modality: any Modality
    /// All samples of the manifest (their files), for `ModalityExampleSource(samples:ids:)`.
    public let samples: [SampleFiles]

    /// - Parameters: data: overrides the manifest's root; modality: must match the manifest's when given.
    public static func load(_ path: String, data: String?, modality id: String?, plugin: String?) throws -> ManifestSelection {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let manifest = try Manifest.read(from: url)
        if let id, id != manifest.modality.identifier {
            throw RunOptionError(message: "--modality \(id) differs from the manifest's \(manifest.modality.identifier) (\(url.path))")
        }
        let modality = try DatasetSelection.modality(manifest.modality.identifier, plugin: plugin)
        guard modality.channels.count == manifest.modality.channels.count else {
            throw ManifestError.invalidSetting(field: "\(url.lastPathComponent): modality.channels", expected: "\(modality.channels.count) channels of \(modality.identifier)",
                                               got: "\(manifest.modality.channels.count)")
        }
        let root = data.map { URL(fileURLWithPath: $0) } ?? Manifest.root(of: manifest, at: url)
        return ManifestSelection(manifest: manifest, url: url, root: root, modality: modality, samples: manifest.samples.map(\.files))
    }

    /// Training and validation ids: scheme `validation` (train minus val) or `official` (all of train), training
    /// restricted to the `fraction` percent subset when given; the validation split is the one that chooses the
    /// best checkpoint (`selectOn`): `val` (the validation scheme's default), `none` (the official scheme's
    /// default: all of train trains, so no validation split is left) or `test` (official scheme only: the
    /// reference's protocol, optimistic).
    public func split(scheme: String, fraction: Int?, selectOn: String? = nil) throws -> (split: SampleSplit, selection: ModelSelection.Split) {
        var training: [String]
        let selection: ModelSelection.Split
        switch scheme {
        case "official":
            training = manifest.splits.train
            selection = try selectOn.map { try Self.selection($0) } ?? .noValidation
            if selection == .val {
                throw RunOptionError(message: "--select-on val: the official scheme trains on all of train, which holds the manifest's val split; "
                                     + "use --split-scheme validation (or --select-on none, or --select-on test to reproduce the reference)")
            }
        case "validation":
            training = manifest.splits.validationTrain
            selection = try selectOn.map { try Self.selection($0) } ?? .val
            if selection == .test {
                throw RunOptionError(message: "--select-on test reproduces the reference's protocol: it needs --split-scheme official")
            }
        default: throw RunOptionError(message: "--split-scheme must be official or validation, got \(scheme)")
        }
        if let fraction {
            guard let subset = manifest.fractions["\(fraction)"] else {
                throw RunOptionError(message: "--fraction \(fraction): the manifest has fractions \(manifest.fractions.keys.sorted { Int($0)! < Int($1)! }.joined(separator: ", "))")
            }
            let keep = Set(subset)
            training = training.filter { keep.contains($0) }
        }
        guard !training.isEmpty else { throw RunOptionError(message: "the \(scheme) scheme\(fraction.map { " at \($0)%" } ?? "") has no training sample") }
        let validation = switch selection { case .val: manifest.splits.val; case .test: manifest.splits.test; case .noValidation: [String]() }
        return (SampleSplit(training: training, validation: validation), selection)
    }

    /// `--select-on val|test|none`.
    static func selection(_ option: String) throws -> ModelSelection.Split {
        guard let s = ModelSelection.Split(rawValue: option) else { throw RunOptionError(message: "--select-on must be val, test or none, got \(option)") }
        return s
    }

    /// Refuses (naming each file) when a file of these samples differs from the manifest.
    public func requireUnchanged(_ ids: [String]) throws { try manifest.requireUnchanged(root: root, samples: ids) }

    /// The manifest's training-split statistics as normalisation constants.
    public var statistics: ExampleNormalization {
        get throws { try DatasetSelection.constants(means: manifest.statistics.means, standardDeviations: manifest.statistics.standardDeviations) }
    }

    /// The normalisation a `--normalize` option gives with this manifest: its training-split statistics for
    /// `stats` (the default) and `range` (min–max to [0, 1]); nil for `modality` and `none`, which need no data.
    public func normalization(_ option: String?) throws -> (name: String, choice: ExampleNormalization)? {
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
