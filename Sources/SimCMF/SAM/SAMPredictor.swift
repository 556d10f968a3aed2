import Autodiff
import TensorCore

/// How an image becomes the square model input, and how prompts and masks follow it.
public enum SAMInputGeometry: Sendable, Equatable {
    /// segment-anything: resize the longest side to the model's image size (antialiased bilinear),
    /// normalise with `mean`/`std` (0–255 RGB by default), zero-pad bottom/right.
    case resizeLongestSide(mean: [Float] = SAMImageProcessing.pixelMean, std: [Float] = SAMImageProcessing.pixelStd)
    /// The SimCMF reference: stretch to the square (bilinear, no antialias), normalise per channel;
    /// no padding.
    case stretch(mean: [Float], std: [Float])
}

/// Masks for one image and one prompt set (`SamPredictor.predict`).
public struct SAMPrediction: Sendable {
    /// `[K, H, W]` logits at the original image size.
    public var logits: Tensor
    /// `[K, H, W]` binary masks (1 where `logits > 0`).
    public var masks: Tensor { logits.gt(0) }
    /// `[K]` predicted IoU of each mask.
    public var iou: Tensor
    /// `[K, 4h, 4w]` low-resolution logits (usable as the next call's `maskInput`).
    public var lowResLogits: Tensor
}

/// segment-anything's `SamPredictor` (MobileSAM's is the same code): embeds an image once, then predicts masks for
/// several prompts. Any `ScoredMaskDecoding` model: a SAM ViT, or MobileSAM (`TinyViTSAM` at 1024, SAM's
/// pre-processing and three-mask decoder). Runs without gradients.
public final class SAMPredictor {
    public let model: any ScoredMaskDecoding
    public let geometry: SAMInputGeometry
    /// The current image's `(height, width)` and its resized size inside the model input.
    public private(set) var originalSize: (height: Int, width: Int)?
    public private(set) var inputSize: (height: Int, width: Int)?
    /// `[1, D, h, w]` embeddings of the current image.
    public private(set) var imageEmbeddings: Tensor?

    public init(model: any ScoredMaskDecoding, geometry: SAMInputGeometry = .resizeLongestSide()) {
        self.model = model
        self.geometry = geometry
    }

    /// Embeds `image [C, H, W]` (for the default geometry: RGB on the 0–255 scale).
    public func setImage(_ image: Tensor) throws {
        let (channels, side) = (model.inputChannels, model.inputSize)
        guard image.rank == 3, image.shape[0] == channels, image.shape[1] > 0, image.shape[2] > 0 else {
            throw SAMError.shapeMismatch(field: "image", expected: "[\(channels), H, W]", got: image.shape)
        }
        let (h, w) = (image.shape[1], image.shape[2])
        let batch = image.unsqueezed(0)
        let input: Tensor
        switch geometry {
        case let .resizeLongestSide(mean, std):
            let resized = try SAMResizeLongestSide(targetLength: side).apply(image: batch)
            inputSize = (resized.shape[2], resized.shape[3])
            input = try SAMImageProcessing.normalizeAndPad(resized, mean: mean, std: std, size: side)
        case let .stretch(mean, std):
            let stretched = try SAMImageProcessing.stretchToSquare(batch, size: side)
            inputSize = (side, side)
            input = try SAMImageProcessing.normalizeAndPad(stretched, mean: mean, std: std, size: side)
        }
        imageEmbeddings = try withoutGradients { try model.embed(Variable(input)).value }
        originalSize = (h, w)
    }

    /// Predicts masks for prompts given in the original image's pixels.
    /// - Parameters:
    ///   - points: clicks (x, y) with `labels` (1 foreground, 0 background).
    ///   - box: `(x0, y0, x1, y1)`.
    ///   - maskInput: `[1, 4h, 4w]` low-resolution logits of an earlier prediction.
    ///   - multimaskOutput: three masks (the default, as segment-anything) or one.
    public func predict(points: [(x: Float, y: Float)] = [], labels: [Int] = [], box: (Float, Float, Float, Float)? = nil,
                        maskInput: Tensor? = nil, multimaskOutput: Bool = true) throws -> SAMPrediction {
        guard let embeddings = imageEmbeddings, let original = originalSize, let input = inputSize else {
            throw SAMError.invalidValue(field: "image", expected: "setImage(_:) before predict")
        }
        guard points.count == labels.count else {
            throw SAMError.invalidValue(field: "labels", expected: "one label per point (\(points.count)), got \(labels.count)")
        }
        let side = model.inputSize
        let transform = { (coords: Tensor) in try self.modelCoordinates(coords, original: original) }
        var prompts = SAMPrompts()
        if !points.isEmpty {
            prompts.pointCoordinates = try transform(Tensor(shape: [1, points.count, 2], values: points.flatMap { [$0.x, $0.y] }))
            prompts.pointLabels = Tensor(shape: [1, labels.count], values: labels.map(Float.init))
        }
        if let b = box { prompts.boxes = try transform(Tensor(shape: [1, 2, 2], values: [b.0, b.1, b.2, b.3])).reshaped([1, 4]) }
        if let m = maskInput { prompts.masks = m.unsqueezed(0) }
        let (low, iou) = try withoutGradients {
            try model.decodeScored(embeddings: Variable(embeddings), prompts: prompts, multimaskOutput: multimaskOutput)
        }
        let full = try withoutGradients {
            try SAMImageProcessing.postprocessMasks(low, inputSize: input, originalSize: original, paddedSize: side)
        }
        let k = low.shape[1]
        return SAMPrediction(logits: full.value.reshaped([k, original.height, original.width]), iou: iou.value.reshaped([k]),
                             lowResLogits: low.value.reshaped([k, low.shape[2], low.shape[3]]))
    }

    /// Original pixels `[..., 2]` (x, y) → model-input pixels.
    private func modelCoordinates(_ coords: Tensor, original: (height: Int, width: Int)) throws -> Tensor {
        let side = model.inputSize
        switch geometry {
        case .resizeLongestSide:
            return try SAMResizeLongestSide(targetLength: side).apply(coordinates: coords, originalSize: original)
        case .stretch:
            let sx = Float(side) / Float(original.width), sy = Float(side) / Float(original.height)
            return coords * Tensor(shape: [2], values: [sx, sy])
        }
    }

    /// One positive click per point, each its own prompt (`SamAutomaticMaskGenerator._process_batch`'s
    /// `predict_torch` call): clicks `(x, y)` in the original image's pixels → low-resolution logits `[N, K, 4h, 4w]`
    /// and predicted IoU `[N, K]` (K = 3 with `multimaskOutput`, else 1). Map a mask to the image with `upscale`.
    public func predictClicks(_ points: [(x: Float, y: Float)], multimaskOutput: Bool) throws -> (lowResLogits: Tensor, iou: Tensor) {
        guard let embeddings = imageEmbeddings, let original = originalSize else {
            throw SAMError.invalidValue(field: "image", expected: "setImage(_:) before predictClicks")
        }
        let n = points.count
        let coords = try modelCoordinates(Tensor(shape: [n, 1, 2], values: points.flatMap { [$0.x, $0.y] }), original: original)
        let prompts = SAMPrompts(pointCoordinates: coords, pointLabels: Tensor(shape: [n, 1], repeating: 1))
        let (low, iou) = try withoutGradients {
            try model.decodeScored(embeddings: Variable(embeddings), prompts: prompts, multimaskOutput: multimaskOutput)
        }
        return (low.value, iou.value)
    }

    /// One low-resolution mask `[m, m]` → logits `[H, W]` at the current image's size (`postprocess_masks`: to the
    /// padded input, unpadded, to the original size; bilinear).
    public func upscale(_ lowRes: Tensor) throws -> Tensor {
        guard let original = originalSize, let input = inputSize else {
            throw SAMError.invalidValue(field: "image", expected: "setImage(_:) before upscale")
        }
        let m = lowRes.shape
        let full = try withoutGradients {
            try SAMImageProcessing.postprocessMasks(Variable(lowRes.reshaped([1, 1] + m)), inputSize: input, originalSize: original,
                                                    paddedSize: model.inputSize)
        }
        return full.value.reshaped([original.height, original.width])
    }
}
