import TensorCore
import TensorKernels

/// The channel transform form of SAM's `ResizeLongestSide` followed by its padding, on
/// `ChannelImage`s with kind-aware resampling (SAM's own tensor pre-processing is SimCMF's
/// `SAMResizeLongestSide`; both take the size rule from TensorKernels' `LongestSideScaling`): scales so the longer side becomes
/// `longestSide` (aspect ratio kept; each side `int(side·scale + 0.5)` with
/// `scale = longestSide / max(H, W)`, as `ResizeLongestSide.get_preprocess_shape`), then pads at the
/// bottom and right to `longestSide × longestSide` (when `pad` is true) with the padding marked
/// invalid. SAM pads after normalising, with 0; here the pad is marked invalid and `Normalize`
/// writes 0 into invalid pixels, which gives the same model input.
///
/// Interpolation follows `Resize` (SAM's `apply_image` uses PIL bilinear with antialiasing and its
/// `apply_image_torch` bilinear with `antialias=True`; neither is reproduced for downscaling).
public struct ChannelResizeLongestSide: ChannelTransform {
    public var longestSide: Int
    public var interpolation: ResizeInterpolation
    public var labelRule: NearestRule
    public var pad: Bool

    public init(longestSide: Int = 1024, interpolation: ResizeInterpolation = .bilinear,
                labelRule: NearestRule = .pillow, pad: Bool = true) {
        self.longestSide = longestSide
        self.interpolation = interpolation
        self.labelRule = labelRule
        self.pad = pad
    }

    public var description: String { "resize-longest-side(\(longestSide), \(interpolation)\(pad ? ", pad" : ""))" }

    /// The `(height, width)` SAM resizes an `height × width` image to.
    public static func targetSize(height: Int, width: Int, longestSide: Int) -> (height: Int, width: Int) {
        LongestSideScaling.targetSize(height: height, width: width, longestSide: longestSide)
    }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "resize-longest-side")
        try validateOutputSize(height: longestSide, width: longestSide, field: "resize-longest-side: longest side")
        let (h, w) = Self.targetSize(height: sample.image.height, width: sample.image.width, longestSide: longestSide)
        let resize = Resize(height: max(h, 1), width: max(w, 1), interpolation: interpolation, labelRule: labelRule)
        var out = try resize.apply(sample, generator: &generator)
        if pad {
            out = try Pad(bottom: longestSide - out.image.height, right: longestSide - out.image.width)
                .apply(out, generator: &generator)
        }
        return out
    }
}
