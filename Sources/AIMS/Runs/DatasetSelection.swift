import Foundation
import Modalities
import Transforms

/// The modality and dataset folder of a training or evaluation run (`aims train`, `aims eval`, `aims build`), and the
/// normalisation choice.
public enum DatasetSelection {
    /// The standard registry plus an optional JSON plugin, then the modality `identifier`.
    public static func modality(_ identifier: String, plugin: String?) throws -> any Modality {
        var registry = ModalityRegistry.standard
        if let plugin { try registry.registerPlugin(at: URL(fileURLWithPath: plugin)) }
        return try registry.require(identifier)
    }

    /// `--normalize modality|stats|range|none` as given (nil when absent), checked without a modality.
    public static func normalizationOption(_ option: String?) throws -> (name: String, choice: ExampleNormalization)? {
        switch option {
        case nil: return nil
        case "modality": return ("modality", .modality)
        case "stats", "statistics": return ("statistics", .statistics)
        case "range": return ("range", .range)
        case "none": return ("none", .none)
        case let other?: throw RunOptionError(message: "--normalize must be modality, stats, range or none, got \(other)")
        }
    }

    /// `--normalize`; default: the modality's constants when it has them, else statistics.
    public static func normalization(_ option: String?, modality: any Modality) throws -> (name: String, choice: ExampleNormalization) {
        try normalizationOption(option) ?? (modality.normalization != nil ? ("modality", .modality) : ("statistics", .statistics))
    }

    public static func constants(means: [Double]?, standardDeviations: [Double]?) throws -> ExampleNormalization {
        guard let means, let standardDeviations else { return .none }
        return .constants(try ChannelNormalization(means: means, standardDeviations: standardDeviations))
    }
}
