import TensorCore

/// Pads a sample with constants: `top`/`bottom` rows and `left`/`right` columns. Every channel
/// except labels gets `value` (0 by default, which for depth is also the invalid value); label
/// channels and the label map get `labelValue` (0 = background). The valid mask is 0 on the
/// padding (a mask is created if the input had none), so normalisation later sets the padding to 0
/// in normalised units, as SAM's pad-after-normalise does. Points move by `(left, top)`.
public struct Pad: ChannelTransform {
    public var top: Int
    public var bottom: Int
    public var left: Int
    public var right: Int
    public var value: Float
    public var labelValue: Float

    public init(top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0, value: Float = 0, labelValue: Float = 0) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
        self.value = value
        self.labelValue = labelValue
    }

    public var description: String { "pad(top \(top), bottom \(bottom), left \(left), right \(right), value \(value))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "pad")
        guard top >= 0, bottom >= 0, left >= 0, right >= 0 else {
            throw GeometryError.size(field: "pad: [top, bottom, left, right]", expected: "amounts ≥ 0",
                                     got: [top, bottom, left, right])
        }
        if top == 0 && bottom == 0 && left == 0 && right == 0 { return sample }
        let image = sample.image
        var values = SpatialPlanes.pad(image.values, top: top, bottom: bottom, left: left, right: right, value: value)
        let labelChannels = image.channels.indices.filter { image.channels[$0].kind == .label }
        if !labelChannels.isEmpty && labelValue != value {
            let (outH, outW) = (values.shape[1], values.shape[2])
            values.withUnsafeMutableBufferPointer { b in
                for c in labelChannels {
                    for y in 0..<outH {
                        for x in 0..<outW where y < top || y >= outH - bottom || x < left || x >= outW - right {
                            b[(c * outH + y) * outW + x] = labelValue
                        }
                    }
                }
            }
        }
        let mask = SpatialPlanes.pad(image.validMask ?? Tensor.ones([image.height, image.width]),
                                     top: top, bottom: bottom, left: left, right: right, value: 0)
        var out = sample
        out.image = ChannelImage(values: values, channels: image.channels, validMask: mask)
        out.label = sample.label.map { SpatialPlanes.pad($0, top: top, bottom: bottom, left: left, right: right, value: labelValue) }
        out.points = sample.points.map { SIMD2($0.x + Double(left), $0.y + Double(top)) }
        return out
    }
}
