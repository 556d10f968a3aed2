import TensorCore

/// Mirrors with probability `probability` (one uniform draw per call, whether or not it flips).
public struct RandomFlip: ChannelTransform {
    public var direction: FlipDirection
    public var probability: Double

    public init(_ direction: FlipDirection, probability: Double = 0.5) {
        self.direction = direction
        self.probability = probability
    }

    public var description: String { "random-flip(\(direction.rawValue), p \(probability))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        guard probability >= 0, probability <= 1 else {
            throw GeometryError.parameter(field: "random-flip: probability", expected: "a value in [0, 1]", got: probability)
        }
        try validateSample(sample, transform: "random-flip")
        try validateAnglePeriods(sample.image, transform: "random-flip")
        return generator.nextUniformDouble() < probability ? Flip.mirror(sample, direction) : sample
    }
}
