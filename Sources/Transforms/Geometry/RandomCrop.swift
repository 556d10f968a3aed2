import TensorCore

/// A `height × width` crop at a uniformly random position (top and left each drawn from one
/// uniform number of the generator). The image must be at least that large.
public struct RandomCrop: ChannelTransform {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    public var description: String { "random-crop(\(height)x\(width))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "random-crop")
        try validateOutputSize(height: height, width: width, field: "random-crop: size")
        let (H, W) = (sample.image.height, sample.image.width)
        guard height <= H, width <= W else {
            throw GeometryError.region(field: "random-crop: size [height, width]", expected: "at most the image size \(H)x\(W)",
                                       got: [height, width])
        }
        let top = generator.uniformIndex(below: H - height + 1)
        let left = generator.uniformIndex(below: W - width + 1)
        return Crop.cut(sample, top: top, left: left, height: height, width: width)
    }
}
