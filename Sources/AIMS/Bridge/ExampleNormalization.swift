import Foundation
import Modalities
import Transforms

/// How a `ModalityExampleSource` standardises its images, chosen by the caller.
public enum ExampleNormalization: Sendable, Equatable {
    /// No standardisation: physical units go to the model as decoded (then resized).
    case none
    /// The modality's own constants (`Modality.normalization`); an error when it has none.
    case modality
    /// Per-channel mean and population standard deviation over the valid pixels of the given
    /// (training) samples at their decoded resolution (`ChannelStatistics`).
    case statistics
    /// Per-channel min–max scaling to `[0, 1]` over the valid pixels of the given (training) samples
    /// (`ChannelNormalization(ranges:)`), e.g. for LiteMedSAM, which was trained on `[0, 1]` images.
    case range
    /// Fixed constants, e.g. those a training run recorded.
    case constants(ChannelNormalization)
}

extension ExampleNormalization {
    /// The constants this choice gives for `samples` of `modality` under `root` (nil for `.none`).
    /// - Throws: `BridgeError` naming the modality, sample or file.
    public func resolve(modality: any Modality, root: URL, samples: [SampleFiles]) throws -> ChannelNormalization? {
        let c = modality.channels.count
        switch self {
        case .none: return nil
        case .constants(let n):
            guard n.channelCount == c else { throw BridgeError.channelCount(field: "normalization of \(modality.identifier)", expected: c, got: n.channelCount) }
            return n
        case .modality:
            guard let k = modality.normalization else {
                throw BridgeError.invalidSetting(field: "normalization of \(modality.identifier)", expected: "constants in the modality (plugin \"normalization\")",
                                                 got: "none; use dataset statistics instead")
            }
            guard k.mean.count == c else { throw BridgeError.channelCount(field: "normalization of \(modality.identifier) (\(k.source))", expected: c, got: k.mean.count) }
            return try ChannelNormalization(means: k.mean, standardDeviations: k.std)
        case .statistics, .range:
            guard !samples.isEmpty else { throw BridgeError.invalidSetting(field: "samples for channel statistics", expected: "at least one", got: "none") }
            var stats = ChannelStatistics(channelCount: c)
            for s in samples {
                let image = try ModalityExampleSource.withSampleContext(s) { try modality.decode(s, root: root) }
                guard image.channelCount == c else {
                    throw BridgeError.sample(id: s.id, file: s.inputs.first ?? s.id, reason: "decoded \(image.channelCount) channels, the modality declares \(c)")
                }
                stats.add(image.values, validMask: image.validMask)
            }
            let labels = Set(modality.channels.indices.filter { modality.channels[$0].kind == .label })
            do {
                if self == .range { return try ChannelNormalization(ranges: stats, ignoring: labels) }
                return try ChannelNormalization(statistics: stats, ignoring: labels)
            } catch {
                throw BridgeError.invalidSetting(field: "channel statistics of \(modality.identifier) over \(samples.count) samples",
                                                 expected: "a positive spread (\(self == .range ? "range" : "deviation")) in every channel", got: error.localizedDescription)
            }
        }
    }
}
