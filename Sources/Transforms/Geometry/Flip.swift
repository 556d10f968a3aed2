import TensorCore

/// Which mirror a `Flip` applies.
public enum FlipDirection: String, Sendable, Codable, CaseIterable {
    /// Left-right mirror about a vertical axis: x → W − x (`torch.flip(dims=[-1])`).
    case horizontal
    /// Top-bottom mirror about a horizontal axis: y → H − y (`torch.flip(dims=[-2])`).
    case vertical
}

/// Mirrors a sample. Values, mask and label map are moved exactly; angle channels are mirrored
/// too (see `AngleChannelGeometry`): horizontal θ → (π − θ) mod P (= −θ mod P for AoLP),
/// vertical θ → −θ mod P. Points: x → W − x or y → H − y.
public struct Flip: ChannelTransform {
    public var direction: FlipDirection

    public init(_ direction: FlipDirection) { self.direction = direction }

    public var description: String { "flip(\(direction.rawValue))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "flip")
        try validateAnglePeriods(sample.image, transform: "flip")
        return Flip.mirror(sample, direction)
    }

    static func mirror(_ sample: TransformSample, _ direction: FlipDirection) -> TransformSample {
        let horizontal = direction == .horizontal
        let image = sample.image
        var values = SpatialPlanes.flip(image.values, horizontal: horizontal)
        values = SpatialPlanes.mapAngles(values, channels: image.channels,
                                         horizontal ? AngleChannelGeometry.horizontalFlip : AngleChannelGeometry.verticalFlip)
        var out = sample
        out.image = ChannelImage(values: values, channels: image.channels,
                                 validMask: image.validMask.map { SpatialPlanes.flip($0, horizontal: horizontal) })
        out.label = sample.label.map { SpatialPlanes.flip($0, horizontal: horizontal) }
        let (W, H) = (Double(image.width), Double(image.height))
        out.points = sample.points.map { horizontal ? SIMD2(W - $0.x, $0.y) : SIMD2($0.x, H - $0.y) }
        return out
    }
}
