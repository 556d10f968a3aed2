import Autodiff
import TensorCore
import TensorKernels

/// What `AutomaticMaskGenerator` needs of a model: the image's size, and each crop of the image embedded
/// once and then prompted with batches of points. Adapters: `SAMPredictorPrompting` (SAM's own
/// resize-longest-side geometry) and `StretchedInputPrompting` (any `ScoredMaskDecoding` model on an input
/// stretched to S × S: LiteMedSAM, trained runs).
public protocol PointPromptedModel {
    /// `(height, width)` of the whole image in pixels.
    var imageSize: (height: Int, width: Int) { get }
    /// Whether the model gives three masks per point by default (SAM's multimask output) rather than one.
    var multimaskByDefault: Bool { get }
    /// The crop `box` of the image (the whole image for layer 0), embedded.
    /// - Parameter multimaskOutput: whether `predict` is to give three masks per point (mask tokens 1–3) or one (token 0).
    func embed(crop: CropBox, multimaskOutput: Bool) throws -> any PointPromptedCrop
}

/// One embedded crop: point prompts in, low-resolution masks and their predicted IoU out.
public protocol PointPromptedCrop {
    /// One positive click per point, `(x, y)` in the crop's pixels → low-resolution logits `[N, K, m, m]` and
    /// predicted IoU `[N, K]`, K masks per point.
    func predict(points: [SIMD2<Double>]) throws -> (lowResLogits: Tensor, iou: Tensor)
    /// One low-resolution mask `[m, m]` → logits at the crop's size `[h, w]`, as the model maps masks back to
    /// its input image (SAM: unpad and resize; a stretched input: a bilinear resize).
    func upscale(_ lowRes: Tensor) throws -> Tensor
}
