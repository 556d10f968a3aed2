import TensorCore

/// Pipeline step: `ChannelNormalization.normalize` on the sample's image (label map and points
/// unchanged).
public struct Normalize: ChannelTransform {
    public var normalization: ChannelNormalization

    public init(_ normalization: ChannelNormalization) { self.normalization = normalization }

    public var description: String { "normalize(\(normalization.channelCount) channels)" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        var out = sample
        out.image = try normalization.normalize(sample.image)
        return out
    }
}

/// Pipeline step: the inverse of `Normalize`, restoring the descriptors the image had before.
public struct Denormalize: ChannelTransform {
    public var normalization: ChannelNormalization
    public var channels: [ChannelDescriptor]

    public init(_ normalization: ChannelNormalization, restoring channels: [ChannelDescriptor]) {
        self.normalization = normalization
        self.channels = channels
    }

    public var description: String { "denormalize(\(normalization.channelCount) channels)" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        var out = sample
        out.image = try normalization.denormalize(sample.image, restoring: channels)
        return out
    }
}
