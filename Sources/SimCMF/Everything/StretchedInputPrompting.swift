import Autodiff
import TensorCore
import TensorKernels

/// A `ScoredMaskDecoding` model whose input is the image (or crop) stretched to S × S, as SimCMF trains and
/// LiteMedSAM runs: prompts scale by `S / w`, `S / h`; low-resolution masks return to the crop's size by a
/// bilinear resize (`align_corners=False`). The caller prepares each input (resize, normalise): `input`.
public struct StretchedInputPrompting: PointPromptedModel {
    public let model: any ScoredMaskDecoding
    public let imageSize: (height: Int, width: Int)
    /// The model input `[C, S, S]` of a crop of the image.
    public let input: (CropBox) throws -> Tensor

    public init(model: any ScoredMaskDecoding, imageSize: (height: Int, width: Int), input: @escaping (CropBox) throws -> Tensor) {
        self.model = model
        self.imageSize = imageSize
        self.input = input
    }

    public var multimaskByDefault: Bool { model.multimaskByDefault }

    public func embed(crop: CropBox, multimaskOutput: Bool) throws -> any PointPromptedCrop {
        try embedCrop(crop, multimaskOutput: multimaskOutput)
    }

    /// `embed` with its concrete type (for box prompts: `StretchedInputCrop.predict(box:points:labels:)`).
    public func embedCrop(_ crop: CropBox, multimaskOutput: Bool) throws -> StretchedInputCrop {
        let x = try input(crop)
        let s = model.inputSize
        guard x.shape == [model.inputChannels, s, s] else {
            throw EverythingError.modelOutput(field: "prepared input", expected: "[\(model.inputChannels), \(s), \(s)]", got: x.shape)
        }
        let embeddings = try withoutGradients { try model.embed(Variable(x.unsqueezed(0))).value }
        return StretchedInputCrop(model: model, embeddings: embeddings, height: crop.height, width: crop.width, multimaskOutput: multimaskOutput)
    }
}

/// One embedded crop of a `StretchedInputPrompting` model.
public struct StretchedInputCrop: PointPromptedCrop {
    public let model: any ScoredMaskDecoding
    /// `[1, ...]` image embeddings of the crop.
    public let embeddings: Tensor
    /// The crop's size in pixels.
    public let height: Int
    public let width: Int
    public let multimaskOutput: Bool

    /// Crop pixels → input pixels.
    func scaled(_ x: Double, _ y: Double) -> [Float] {
        [Float(x * Double(model.inputSize) / Double(width)), Float(y * Double(model.inputSize) / Double(height))]
    }

    public func predict(points: [SIMD2<Double>]) throws -> (lowResLogits: Tensor, iou: Tensor) {
        let n = points.count
        let prompts = SAMPrompts(pointCoordinates: Tensor(shape: [n, 1, 2], values: points.flatMap { scaled($0.x, $0.y) }),
                                 pointLabels: Tensor(shape: [n, 1], repeating: 1))
        return try decode(prompts)
    }

    /// One object from a box `(x0, y0, x1, y1)` and/or clicks `(x, y)` with labels (1 positive, 0 negative), in crop
    /// pixels → logits `[1, K, M, M]`, predicted IoU `[1, K]`.
    public func predict(box: [Double]?, points: [SIMD2<Double>], labels: [Int]) throws -> (lowResLogits: Tensor, iou: Tensor) {
        var prompts = SAMPrompts()
        if let b = box { prompts.boxes = Tensor(shape: [1, 4], values: scaled(b[0], b[1]) + scaled(b[2], b[3])) }
        if !points.isEmpty {
            prompts.pointCoordinates = Tensor(shape: [1, points.count, 2], values: points.flatMap { scaled($0.x, $0.y) })
            prompts.pointLabels = Tensor(shape: [1, labels.count], values: labels.map(Float.init))
        }
        return try decode(prompts)
    }

    func decode(_ prompts: SAMPrompts) throws -> (lowResLogits: Tensor, iou: Tensor) {
        let (masks, iou) = try withoutGradients {
            try model.decodeScored(embeddings: Variable(embeddings), prompts: prompts, multimaskOutput: multimaskOutput)
        }
        return (masks.value, iou.value)
    }

    public func upscale(_ lowRes: Tensor) throws -> Tensor {
        let m = lowRes.shape
        return interpolate(Variable(lowRes.reshaped([1, 1] + m)), size: (height, width), mode: .bilinear).value.reshaped([height, width])
    }
}
