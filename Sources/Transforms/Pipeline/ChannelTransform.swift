import TensorCore

/// What flows through a transform pipeline: a channel image in physical units, its optional
/// label map, and prompt points, all in the same pixel grid.
public struct TransformSample: Sendable {
    public var image: ChannelImage
    /// `[H, W]` integer region ids (0 = background), or nil.
    public var label: Tensor?
    /// Prompt points in pixel coordinates `(x, y)` of `image` (x to the right, y down; the centre
    /// of the top-left pixel is (0.5, 0.5)).
    public var points: [SIMD2<Double>]

    public init(image: ChannelImage, label: Tensor? = nil, points: [SIMD2<Double>] = []) {
        if let label {
            precondition(label.shape == [image.height, image.width],
                         "TransformSample: label \(label.shape) for image \(image.height)x\(image.width)")
        }
        self.image = image
        self.label = label
        self.points = points
    }

    /// The same, for untrusted input: a label map whose shape is not `[H, W]` of the image, or
    /// non-finite points, give a typed error instead of stopping the process.
    public init(validating image: ChannelImage, label: Tensor? = nil, points: [SIMD2<Double>] = []) throws {
        if let label, label.shape != [image.height, image.width] {
            throw GeometryError.shape(field: "sample: label map", expected: "[\(image.height), \(image.width)]", got: label.shape)
        }
        if let bad = points.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite) }) {
            throw GeometryError.parameter(field: "sample: prompt point \(bad)", expected: "finite coordinates",
                                          got: points[bad].x.isFinite ? points[bad].y : points[bad].x)
        }
        self.init(image: image, label: label, points: points)
    }
}

/// One step of a pipeline (resize, crop, flip, normalise, a physics conversion, ...). A transform
/// consults each channel's `ChannelKind` (angles resampled in doubled-angle space, depth never
/// blended across invalid pixels, labels nearest-neighbour). Random transforms draw only from
/// the generator they are given, so a pipeline is reproducible from its seed.
public protocol ChannelTransform: Sendable {
    /// A short description for logs and run configs, e.g. `resize(256x256, bilinear)`.
    var description: String { get }
    func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample
}

/// Transforms applied in order. A pipeline is itself a `ChannelTransform`, so pipelines nest.
public struct TransformPipeline: ChannelTransform {
    public var steps: [any ChannelTransform]

    public init(_ steps: [any ChannelTransform] = []) { self.steps = steps }

    public func apply(_ sample: TransformSample, generator: inout SeededGenerator) throws -> TransformSample {
        var s = sample
        for step in steps { s = try step.apply(s, generator: &generator) }
        return s
    }

    public var description: String { steps.map(\.description).joined(separator: " -> ") }
}
