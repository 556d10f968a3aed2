import Foundation

/// Failures of the bridge from a modality's samples to SimCMF examples; each names the sample and the file.
public enum BridgeError: Error, LocalizedError, Equatable, Sendable {
    /// Decoding, labelling or transforming one sample failed; `reason` is the underlying message.
    case sample(id: String, file: String, reason: String)
    /// A sample has no label map (training and evaluation need one).
    case missingLabel(id: String, file: String)
    /// Requested sample ids that the dataset does not have.
    case unknownSamples(ids: [String], root: String)
    /// A setting is out of range (`field` names it).
    case invalidSetting(field: String, expected: String, got: String)
    /// The normalisation has a different channel count from the modality.
    case channelCount(field: String, expected: Int, got: Int)

    public var errorDescription: String? {
        switch self {
        case let .sample(id, file, reason): return "\(file): sample \(id): \(reason)"
        case let .missingLabel(id, file): return "\(file): sample \(id): no label map (the modality gives no label for it)"
        case let .unknownSamples(ids, root):
            return "\(root): no sample with id \(ids.prefix(8).joined(separator: ", "))\(ids.count > 8 ? " (+\(ids.count - 8))" : "")"
        case let .invalidSetting(field, expected, got): return "\(field): expected \(expected), got \(got)"
        case let .channelCount(field, expected, got): return "\(field): expected \(expected) channels, got \(got)"
        }
    }
}
