import TensorCore

/// Rotates by a uniformly chosen number of counter-clockwise quarter turns from `quarterTurns`
/// (default 0, 1, 2, 3; one draw per call).
public struct RandomRotate90: ChannelTransform {
    public var quarterTurns: [Int]

    public init(quarterTurns: [Int] = [0, 1, 2, 3]) { self.quarterTurns = quarterTurns }

    public var description: String { "random-rotate90(\(quarterTurns))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        guard !quarterTurns.isEmpty else {
            throw GeometryError.size(field: "random-rotate90: quarter turns", expected: "at least one choice", got: [])
        }
        try validateSample(sample, transform: "random-rotate90")
        try validateAnglePeriods(sample.image, transform: "random-rotate90")
        return Rotate90.turn(sample, quarterTurns[generator.uniformIndex(below: quarterTurns.count)])
    }
}
