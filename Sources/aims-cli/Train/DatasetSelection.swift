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

    /// `--normalize modality|stats|none`; default: the modality's constants when it has them, else statistics.
    static func normalization(_ option: String?, modality: any Modality) throws -> (name: String, choice: ExampleNormalization) {
        switch option {
        case nil: return modality.normalization != nil ? ("modality", .modality) : ("statistics", .statistics)
        case "modality": return ("modality", .modality)
        case "stats", "statistics": return ("statistics", .statistics)
        case "none": return ("none", .none)
        case let other?: throw UsageError(message: "--normalize must be modality, stats or none, got \(other)")
        }
    }

    static func constants(means: [Double]?, standardDeviations: [Double]?) throws -> ExampleNormalization {
        guard let means, let standardDeviations else { return .none }
        return .constants(try ChannelNormalization(means: means, standardDeviations: standardDeviations))
    }
}
