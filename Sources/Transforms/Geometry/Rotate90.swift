import TensorCore

/// Rotates a sample by `quarterTurns` × 90° counter-clockwise on screen (negative turns rotate
/// clockwise), as `torch.rot90(x, k, dims=[-2, -1])`; an `H × W` image becomes `W × H` for odd
/// turns. Angle channels turn with the image: θ → (θ − k·π/2) mod P (see `AngleChannelGeometry`).
/// Points (x, y) in a `W × H` image map to (y, W − x) per counter-clockwise quarter turn.
public struct Rotate90: ChannelTransform {
    public var quarterTurns: Int

    public init(quarterTurns: Int) { self.quarterTurns = quarterTurns }

    public var description: String { "rotate90(\(quarterTurns) counter-clockwise)" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "rotate90")
        try validateAnglePeriods(sample.image, transform: "rotate90")
        return Rotate90.turn(sample, quarterTurns)
    }

    static func turn(_ sample: TransformSample, _ quarterTurns: Int) -> TransformSample {
        let k = ((quarterTurns % 4) + 4) % 4
        guard k != 0 else { return sample }
        let image = sample.image
        var values = SpatialPlanes.rotate90(image.values, quarterTurns: k)
        values = SpatialPlanes.mapAngles(values, channels: image.channels) {
            AngleChannelGeometry.rotate90($0, period: $1, quarterTurns: k)
        }
        var out = sample
        out.image = ChannelImage(values: values, channels: image.channels,
                                 validMask: image.validMask.map { SpatialPlanes.rotate90($0, quarterTurns: k) })
        out.label = sample.label.map { SpatialPlanes.rotate90($0, quarterTurns: k) }
        let (W, H) = (Double(image.width), Double(image.height))
        out.points = sample.points.map { p in
            switch k {
            case 1: return SIMD2(p.y, W - p.x)
            case 2: return SIMD2(W - p.x, H - p.y)
            default: return SIMD2(H - p.y, p.x)
            }
        }
        return out
    }
}
