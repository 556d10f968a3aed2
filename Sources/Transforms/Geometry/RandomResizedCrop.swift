import Foundation
import TensorCore

/// torchvision's `RandomResizedCrop`: up to 10 attempts draw an area fraction uniformly from
/// `scale` and a log-uniform aspect ratio (w/h) from `ratio`, take `w = round(√(A·r))`,
/// `h = round(√(A/r))` (round half to even, as Python) and, if the window fits, a uniform
/// position; otherwise the centred crop with the ratio clamped into `ratio`. The window is then
/// resized to `height × width` with `Resize`'s kind-aware rules.
public struct RandomResizedCrop: ChannelTransform {
    public var height: Int
    public var width: Int
    public var scale: ClosedRange<Double>
    public var ratio: ClosedRange<Double>
    public var interpolation: ResizeInterpolation
    public var labelRule: NearestRule

    public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3),
                interpolation: ResizeInterpolation = .bilinear, labelRule: NearestRule = .pillow) {
        self.height = height
        self.width = width
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.labelRule = labelRule
    }

    public var description: String {
        "random-resized-crop(\(height)x\(width), scale \(scale.lowerBound)...\(scale.upperBound), ratio \(ratio.lowerBound)...\(ratio.upperBound), \(interpolation))"
    }

    /// The crop window `(top, left, height, width)` for an `imageHeight × imageWidth` image.
    public func window(imageHeight H: Int, imageWidth W: Int, generator: inout SeededGenerator) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(H * W)
        let logRatio = (log(ratio.lowerBound), log(ratio.upperBound))
        for _ in 0..<10 {
            let target = area * generator.uniform(scale.lowerBound, scale.upperBound)
            let aspect = exp(generator.uniform(logRatio.0, logRatio.1))
            let w = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if w > 0, w <= W, h > 0, h <= H {
                let top = generator.uniformIndex(below: H - h + 1)
                let left = generator.uniformIndex(below: W - w + 1)
                return (top, left, h, w)
            }
        }
        let inRatio = Double(W) / Double(H)
        var (h, w) = (H, W)
        if inRatio < ratio.lowerBound {
            w = W; h = Int((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven))
        } else if inRatio > ratio.upperBound {
            h = H; w = Int((Double(h) * ratio.upperBound).rounded(.toNearestOrEven))
        }
        h = Swift.max(1, Swift.min(h, H)); w = Swift.max(1, Swift.min(w, W))
        return ((H - h) / 2, (W - w) / 2, h, w)
    }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        try validateSample(sample, transform: "random-resized-crop")
        try validateOutputSize(height: height, width: width, field: "random-resized-crop: output size")
        guard scale.lowerBound > 0, scale.upperBound <= 1, scale.lowerBound.isFinite else {
            throw GeometryError.parameter(field: "random-resized-crop: scale (area fraction range)", expected: "bounds in (0, 1]",
                                          got: scale.lowerBound > 0 ? scale.upperBound : scale.lowerBound)
        }
        guard ratio.lowerBound > 0, ratio.upperBound.isFinite else {
            throw GeometryError.parameter(field: "random-resized-crop: ratio (width/height range)", expected: "finite bounds > 0",
                                          got: ratio.lowerBound)
        }
        let win = window(imageHeight: sample.image.height, imageWidth: sample.image.width, generator: &generator)
        let cropped = Crop.cut(sample, top: win.top, left: win.left, height: win.height, width: win.width)
        return try Resize(height: height, width: width, interpolation: interpolation, labelRule: labelRule)
            .apply(cropped, generator: &generator)
    }
}
