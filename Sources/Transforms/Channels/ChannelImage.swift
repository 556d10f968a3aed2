import TensorCore

/// A multi-channel image in physical units: a `[C, H, W]` tensor, one descriptor per channel and
/// an optional `[H, W]` valid-pixel mask (1 valid, 0 invalid).
public struct ChannelImage: Sendable {
    /// `[C, H, W]` values in the units of `channels[c].unit`.
    public var values: Tensor
    public var channels: [ChannelDescriptor]
    /// `[H, W]`, 1 where every channel is valid; `nil` when all pixels are valid.
    public var validMask: Tensor?

    public init(values: Tensor, channels: [ChannelDescriptor], validMask: Tensor? = nil) {
        precondition(values.rank == 3, "ChannelImage: values must be [C, H, W], got \(values.shape)")
        precondition(values.shape[0] == channels.count,
                     "ChannelImage: \(values.shape[0]) planes but \(channels.count) descriptors")
        if let m = validMask {
            precondition(m.shape == [values.shape[1], values.shape[2]],
                         "ChannelImage: valid mask \(m.shape) for image \(values.shape)")
        }
        self.values = values
        self.channels = channels
        self.validMask = validMask
    }

    public var channelCount: Int { values.shape[0] }
    public var height: Int { values.shape[1] }
    public var width: Int { values.shape[2] }
}
