/// Hyper-parameters of a SAM: the ViT image encoder, the prompt encoder and the mask decoder
/// (segment-anything `build_sam.py`; docs/REFERENCE.md §1.1). The official sizes are `vitB`, `vitL`,
/// `vitH`; small ones are built with the initialiser (tests) or inferred from a checkpoint.
public struct SAMConfiguration: Sendable, Equatable, Codable {
    // MARK: image encoder
    /// Token width of the image encoder.
    public var encoderEmbedDim: Int
    public var encoderDepth: Int
    public var encoderHeads: Int
    /// Blocks that attend globally; every other block uses `windowSize` windows.
    public var globalAttentionIndexes: [Int]
    public var windowSize: Int
    /// Input side in pixels (square) the model was built for, and the patch side; the token grid
    /// is `imageSize / patchSize` (the `pos_embed` and global rel-pos tables are sized for it).
    public var imageSize: Int
    public var patchSize: Int
    public var mlpRatio: Int
    /// Channels of the image given to the patch embedding (3 for SAM).
    public var inChannels: Int

    // MARK: prompt encoder and mask decoder
    /// Channels of the neck output, the prompt embeddings and the mask decoder.
    public var promptEmbedDim: Int
    /// Hidden channels of the mask-input downscaling (16).
    public var maskInChannels: Int
    /// Two-way transformer: depth 2, 8 heads, MLP 2048, cross-attention downsample 2.
    public var decoderDepth: Int
    public var decoderHeads: Int
    public var decoderMLPDim: Int
    public var attentionDownsampleRate: Int
    /// Mask tokens = `multimaskOutputs + 1` (4).
    public var multimaskOutputs: Int
    public var iouHeadDepth: Int
    public var iouHeadHiddenDim: Int

    public init(encoderEmbedDim: Int, encoderDepth: Int, encoderHeads: Int, globalAttentionIndexes: [Int],
                windowSize: Int = 14, imageSize: Int = 1024, patchSize: Int = 16, mlpRatio: Int = 4, inChannels: Int = 3,
                promptEmbedDim: Int = 256, maskInChannels: Int = 16, decoderDepth: Int = 2, decoderHeads: Int = 8,
                decoderMLPDim: Int = 2048, attentionDownsampleRate: Int = 2, multimaskOutputs: Int = 3,
                iouHeadDepth: Int = 3, iouHeadHiddenDim: Int = 256) {
        self.encoderEmbedDim = encoderEmbedDim
        self.encoderDepth = encoderDepth
        self.encoderHeads = encoderHeads
        self.globalAttentionIndexes = globalAttentionIndexes
        self.windowSize = windowSize
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.mlpRatio = mlpRatio
        self.inChannels = inChannels
        self.promptEmbedDim = promptEmbedDim
        self.maskInChannels = maskInChannels
        self.decoderDepth = decoderDepth
        self.decoderHeads = decoderHeads
        self.decoderMLPDim = decoderMLPDim
        self.attentionDownsampleRate = attentionDownsampleRate
        self.multimaskOutputs = multimaskOutputs
        self.iouHeadDepth = iouHeadDepth
        self.iouHeadHiddenDim = iouHeadHiddenDim
    }

    /// Side of the token grid (64 for 1024-pixel input and 16-pixel patches).
    public var tokenGridSize: Int { imageSize / patchSize }
    /// Per-head width (64 for every official size).
    public var headDim: Int { encoderEmbedDim / encoderHeads }
    /// Side of the low-resolution mask logits (4 × the token grid: 256 for SAM).
    public var lowResMaskSize: Int { 4 * tokenGridSize }

    public static let vitB = SAMConfiguration(encoderEmbedDim: 768, encoderDepth: 12, encoderHeads: 12,
                                              globalAttentionIndexes: [2, 5, 8, 11])
    public static let vitL = SAMConfiguration(encoderEmbedDim: 1024, encoderDepth: 24, encoderHeads: 16,
                                              globalAttentionIndexes: [5, 11, 17, 23])
    public static let vitH = SAMConfiguration(encoderEmbedDim: 1280, encoderDepth: 32, encoderHeads: 16,
                                              globalAttentionIndexes: [7, 15, 23, 31])

    /// `vit_b`, `vit_l`, `vit_h` by their segment-anything names.
    public static func named(_ name: String) -> SAMConfiguration? {
        switch name.lowercased().replacingOccurrences(of: "-", with: "_") {
        case "vit_b", "vitb": return .vitB
        case "vit_l", "vitl": return .vitL
        case "vit_h", "vith": return .vitH
        default: return nil
        }
    }

    /// Checks the values that the layers rely on (divisibility, index ranges).
    public func validate() throws {
        func fail(_ field: String, _ expected: String) -> SAMError { .invalidConfiguration(field: field, expected: expected) }
        guard encoderEmbedDim > 0, encoderHeads > 0, encoderEmbedDim % encoderHeads == 0 else {
            throw fail("encoderHeads", "a positive divisor of encoderEmbedDim \(encoderEmbedDim), got \(encoderHeads)")
        }
        guard encoderDepth > 0 else { throw fail("encoderDepth", "> 0, got \(encoderDepth)") }
        guard globalAttentionIndexes.allSatisfy({ $0 >= 0 && $0 < encoderDepth }) else {
            throw fail("globalAttentionIndexes", "indexes in 0..<\(encoderDepth), got \(globalAttentionIndexes)")
        }
        guard windowSize > 0 else { throw fail("windowSize", "> 0, got \(windowSize)") }
        guard patchSize > 0, imageSize > 0, imageSize % patchSize == 0 else {
            throw fail("imageSize", "a positive multiple of patchSize \(patchSize), got \(imageSize)")
        }
        guard mlpRatio > 0, inChannels > 0 else { throw fail("mlpRatio/inChannels", "> 0") }
        guard promptEmbedDim > 0, promptEmbedDim % 8 == 0 else {
            throw fail("promptEmbedDim", "a positive multiple of 8 (the upscaling uses dim/4 and dim/8), got \(promptEmbedDim)")
        }
        guard maskInChannels > 0, maskInChannels % 4 == 0 else { throw fail("maskInChannels", "a positive multiple of 4, got \(maskInChannels)") }
        guard attentionDownsampleRate > 0, promptEmbedDim % attentionDownsampleRate == 0,
              decoderHeads > 0, (promptEmbedDim / attentionDownsampleRate) % decoderHeads == 0 else {
            throw fail("decoderHeads", "a divisor of promptEmbedDim / attentionDownsampleRate = \(promptEmbedDim / Swift.max(attentionDownsampleRate, 1)), got \(decoderHeads)")
        }
        guard decoderDepth > 0, decoderMLPDim > 0, multimaskOutputs > 0, iouHeadDepth >= 1, iouHeadHiddenDim > 0 else {
            throw fail("decoder", "positive depth, MLP dim, multimask outputs, IoU head depth and width")
        }
    }
}
