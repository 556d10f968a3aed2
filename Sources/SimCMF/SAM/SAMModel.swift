import Autodiff
import TensorCore

/// Segment Anything: `ImageEncoderViT` + `PromptEncoder` + `MaskDecoder`, with parameters named by the
/// official state-dict keys (`image_encoder.…`, `prompt_encoder.…`, `mask_decoder.…`).
///
/// Training: call with trainable parameters (and `Variable`s that require gradients) and `backward()`
/// the loss. Inference: wrap the calls in `withoutGradients { … }` (no tape is recorded).
public final class SAMModel: Module {
    public let configuration: SAMConfiguration
    public let imageEncoder: ImageEncoderViT
    public let promptEncoder: PromptEncoder
    public let maskDecoder: MaskDecoder

    /// A SAM with PyTorch-style random initialisation (use `SAMCheckpoint` to load weights).
    public init(configuration c: SAMConfiguration, seed: UInt64 = 0) throws {
        try c.validate()
        var g = SeededGenerator(seed: seed)
        configuration = c
        imageEncoder = ImageEncoderViT(configuration: c, generator: &g)
        promptEncoder = PromptEncoder(embedDim: c.promptEmbedDim, imageEmbeddingSize: (c.tokenGridSize, c.tokenGridSize),
                                      inputImageSize: (c.imageSize, c.imageSize), maskInChannels: c.maskInChannels, generator: &g)
        maskDecoder = MaskDecoder(configuration: c, generator: &g)
    }

    /// Learned parameters in state-dict order (excludes the Gaussian-matrix buffer).
    public var parameters: [Parameter] { imageEncoder.parameters + promptEncoder.parameters + maskDecoder.parameters }
    /// Saved but never trained tensors (`prompt_encoder.pe_layer.positional_encoding_gaussian_matrix`).
    public var buffers: [Parameter] { promptEncoder.buffers }
    /// Everything a checkpoint holds, in the official state-dict order.
    public var stateTensors: [Parameter] {
        imageEncoder.parameters + promptEncoder.buffers + promptEncoder.parameters + maskDecoder.parameters
    }
    /// Number of learned values (93,735,472 for vit_b).
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// `image [B, in, H, W]` → image embeddings `[B, D, H/p, W/p]`.
    public func encodeImage(_ image: Variable) throws -> Variable { try imageEncoder(image) }

    /// `(sparse [B, N, D], dense [B, D, h, w])` for the prompts.
    public func encodePrompts(_ prompts: SAMPrompts) throws -> (sparse: Variable, dense: Variable) { try promptEncoder(prompts) }

    /// Mask logits `[B, K, 4h, 4w]` and IoU predictions `[B, K]` from image embeddings `[B or 1, D, h, w]`
    /// and prompts in model-input pixels. The model input is taken to be `(h·p, w·p)` pixels (p = patch
    /// size): the built size for the built grid, and any other size divisible by p otherwise.
    public func decodeMasks(imageEmbeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable) {
        guard imageEmbeddings.value.rank == 4, imageEmbeddings.shape[2] > 0, imageEmbeddings.shape[3] > 0 else {
            throw SAMError.shapeMismatch(field: "image embeddings", expected: "[B, \(configuration.promptEmbedDim), h, w]",
                                         got: imageEmbeddings.shape)
        }
        let grid = (h: imageEmbeddings.shape[2], w: imageEmbeddings.shape[3])
        let p = configuration.patchSize
        let (sparse, dense) = try promptEncoder(prompts, inputImageSize: (grid.h * p, grid.w * p), grid: grid)
        return try maskDecoder(imageEmbeddings: imageEmbeddings, imagePE: Variable(promptEncoder.densePositionalEncoding(grid: grid)),
                               sparse: sparse, dense: dense, multimaskOutput: multimaskOutput)
    }

    /// Image and prompts → low-resolution logits `[B, K, 4h, 4w]` and IoU predictions `[B, K]`.
    public func callAsFunction(_ image: Variable, prompts: SAMPrompts, multimaskOutput: Bool = false) throws -> (masks: Variable, iou: Variable) {
        try decodeMasks(imageEmbeddings: encodeImage(image), prompts: prompts, multimaskOutput: multimaskOutput)
    }
}
