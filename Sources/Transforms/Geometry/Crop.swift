import TensorCore

/// Cuts the window `[top, top + height) × [left, left + width)` out of a sample (values, mask,
/// label map); prompt points move by `(−left, −top)` and may fall outside the crop (they are kept,
/// so click lists stay aligned with their labels; callers test `0 ≤ x < W`, `0 ≤ y < H`).
public struct Crop: ChannelTransform {
    public var top: Int
    public var left: Int
    public var height: Int
    public var width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        self.top = top
        self.left = left
        self.height = height
        self.width = width
    }

    public var description: String { "crop(top \(top), left \(left), \(height)x\(width))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "crop")
        try validateOutputSize(height: height, width: width, field: "crop: size")
        let (H, W) = (sample.image.height, sample.image.width)
        guard top >= 0, left >= 0, top + height <= H, left + width <= W else {
            throw GeometryError.region(field: "crop: window [top, left, height, width]",
                                       expected: "inside the \(H)x\(W) image", got: [top, left, height, width])
        }
        return Crop.cut(sample, top: top, left: left, height: height, width: width)
    }

    /// The crop of a validated sample and window.
    static func cut(_ sample: TransformSample, top: Int, left: Int, height: Int, width: Int) -> TransformSample {
        var out = sample
        let image = sample.image
        out.image = ChannelImage(values: SpatialPlanes.crop(image.values, top: top, left: left, height: height, width: width),
                                 channels: image.channels,
                                 validMask: image.validMask.map { SpatialPlanes.crop($0, top: top, left: left, height: height, width: width) })
        out.label = sample.label.map { SpatialPlanes.crop($0, top: top, left: left, height: height, width: width) }
        out.points = sample.points.map { SIMD2($0.x - Double(left), $0.y - Double(top)) }
        return out
    }
}
