import TensorCore

/// Resizes a sample to `height × width` pixels, stretching (no aspect-ratio preservation), as the
/// reference's `Resize((1024, 1024))` on tensors does.
///
/// Per channel kind, for `.bilinear` and `.area`:
/// - intensity, temperature, Hounsfield: plain linear interpolation (PyTorch parity, also over
///   pixels the mask marks invalid; such outputs are marked invalid by the mask rule below).
/// - angle (period P): resampled in doubled-angle space, `(cos 2πθ/P, sin 2πθ/P)` interpolated and
///   mapped back with atan2 into `[0, P)`; a region of constant orientation stays constant even at
///   the 0/P wrap.
/// - depth: only valid neighbours (mask set, depth finite and > 0) contribute, with their weights
///   renormalised; an output with no valid neighbour is 0 (the depth invalid value).
/// - label: nearest neighbour with `labelRule`.
///
/// The valid mask is resampled **conservatively**: with `.bilinear`/`.area` an output pixel is valid
/// only if every input pixel with a positive weight was valid; with `.nearest` it is the nearest
/// input pixel's validity. The mask stands for whole-pixel validity (padding, sensor-wide
/// invalidity); depth holes stay in-band (depth 0) by default, because folding them into the one
/// shared mask would also invalidate — and `Normalize` would zero — the other channels (RGB of
/// RGB-D) wherever depth is missing. With `depthHolesInvalidateMask` the depth holes (finite depth
/// ≤ 0 or non-finite, in any depth channel) count as invalid pixels for the mask too, so an output
/// without a valid depth neighbour gets mask 0 (a mask is created if needed). The label map uses
/// nearest with `labelRule`. Prompt points scale with the pixel grid: `x' = x·W'/W`, `y' = y·H'/H` (pixel centres
/// at +0.5 map to pixel centres).
public struct Resize: ChannelTransform {
    public var height: Int
    public var width: Int
    public var interpolation: ResizeInterpolation
    /// Nearest rule for label channels and the label map (the reference: Pillow for 1024,
    /// `torchLegacy` for its 256 training target).
    public var labelRule: NearestRule
    /// Whether depth holes also clear the valid mask (see above); off by default.
    public var depthHolesInvalidateMask: Bool

    public init(height: Int, width: Int, interpolation: ResizeInterpolation = .bilinear, labelRule: NearestRule = .pillow,
                depthHolesInvalidateMask: Bool = false) {
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.labelRule = labelRule
        self.depthHolesInvalidateMask = depthHolesInvalidateMask
    }

    public var description: String { "resize(\(height)x\(width), \(interpolation), labels \(labelRule.rawValue))" }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "resize")
        try validateOutputSize(height: height, width: width, field: "resize: output size")
        try validateAnglePeriods(sample.image, transform: "resize")
        let (H, W) = (sample.image.height, sample.image.width)
        var out = sample
        out.image = ChannelImageResampler.resize(sample.image, height: height, width: width,
                                                 interpolation: interpolation, labelRule: labelRule,
                                                 depthHolesInvalidateMask: depthHolesInvalidateMask)
        out.label = sample.label.map { ChannelImageResampler.resizeLabel($0, height: height, width: width, rule: labelRule) }
        let sx = Double(width) / Double(W), sy = Double(height) / Double(H)
        out.points = sample.points.map { SIMD2($0.x * sx, $0.y * sy) }
        return out
    }
}

/// Angle periods must be finite and positive.
func validateAnglePeriods(_ image: ChannelImage, transform: String) throws {
    for d in image.channels {
        if case let .angle(period) = d.kind, !(period > 0 && period.isFinite) {
            throw GeometryError.parameter(field: "\(transform): period of angle channel \(d.name)",
                                          expected: "a finite period > 0", got: period)
        }
    }
}
