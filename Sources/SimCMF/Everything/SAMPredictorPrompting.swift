import TensorCore
import TensorKernels

/// `SAMPredictor` as a `PointPromptedModel`: each crop of `image` is set on the predictor (SAM's
/// resize-longest-side, normalisation and padding), clicks go through its coordinate transform and masks back
/// through `postprocess_masks`: exactly `SamAutomaticMaskGenerator` with `SamPredictor`, for a SAM ViT or
/// MobileSAM alike.
public struct SAMPredictorPrompting: PointPromptedModel {
    public let predictor: SAMPredictor
    /// `[C, H, W]` (C the model's input channels; for SAM and MobileSAM 0–255 RGB): the predictor's geometry decides
    /// the pre-processing.
    public let image: Tensor

    public init(predictor: SAMPredictor, image: Tensor) {
        self.predictor = predictor
        self.image = image
    }

    public var imageSize: (height: Int, width: Int) { (image.shape[1], image.shape[2]) }
    /// The model's own: three masks per point for SAM and MobileSAM.
    public var multimaskByDefault: Bool { predictor.model.multimaskByDefault }

    /// Sets the crop on the predictor (replacing the previous one: prompt one crop at a time).
    public func embed(crop: CropBox, multimaskOutput: Bool) throws -> any PointPromptedCrop {
        let window = image.slice(axis: 1, crop.y0..<crop.y1).slice(axis: 2, crop.x0..<crop.x1)
        try predictor.setImage(window)
        return Crop(predictor: predictor, multimaskOutput: multimaskOutput)
    }

    struct Crop: PointPromptedCrop {
        let predictor: SAMPredictor
        let multimaskOutput: Bool

        func predict(points: [SIMD2<Double>]) throws -> (lowResLogits: Tensor, iou: Tensor) {
            try predictor.predictClicks(points.map { (x: Float($0.x), y: Float($0.y)) }, multimaskOutput: multimaskOutput)
        }

        func upscale(_ lowRes: Tensor) throws -> Tensor { try predictor.upscale(lowRes) }
    }
}
