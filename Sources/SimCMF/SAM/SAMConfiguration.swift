/// Hyper-parameters of a SAM ViT image encoder and its prompt/mask heads
/// (segment-anything `build_sam.py`; REFERENCE.md §1.1).
public struct SAMConfiguration: Sendable, Equatable, Codable {
    /// Token width of the image encoder.
    public var encoderEmbedDim: Int
    public var encoderDepth: Int
    public var encoderHeads: Int
    /// Blocks that attend globally; every other block uses `windowSize` windows.
    public var globalAttentionIndexes: [Int]
    public var windowSize: Int
    /// Input side in pixels (square) and patch side; the token grid is `imageSize / patchSize`.
    public var imageSize: Int
    public var patchSize: Int
    public var mlpRatio: Int
    /// Channels of the neck output, the prompt embeddings and the mask decoder.
    public var promptEmbedDim: Int

    public init(encoderEmbedDim: Int, encoderDepth: Int, encoderHeads: Int, globalAttentionIndexes: [Int],
                windowSize: Int = 14, imageSize: Int = 1024, patchSize: Int = 16, mlpRatio: Int = 4,
                promptEmbedDim: Int = 256) {
        self.encoderEmbedDim = encoderEmbedDim
        self.encoderDepth = encoderDepth
        self.encoderHeads = encoderHeads
        self.globalAttentionIndexes = globalAttentionIndexes
        self.windowSize = windowSize
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.mlpRatio = mlpRatio
        self.promptEmbedDim = promptEmbedDim
    }

    /// Side of the token grid (64 for 1024-pixel input and 16-pixel patches).
    public var tokenGridSize: Int { imageSize / patchSize }
    /// Per-head width (64 for every official size).
    public var headDim: Int { encoderEmbedDim / encoderHeads }

    public static let vitB = SAMConfiguration(encoderEmbedDim: 768, encoderDepth: 12, encoderHeads: 12,
                                              globalAttentionIndexes: [2, 5, 8, 11])
    public static let vitL = SAMConfiguration(encoderEmbedDim: 1024, encoderDepth: 24, encoderHeads: 16,
                                              globalAttentionIndexes: [5, 11, 17, 23])
    public static let vitH = SAMConfiguration(encoderEmbedDim: 1280, encoderDepth: 32, encoderHeads: 16,
                                              globalAttentionIndexes: [7, 15, 23, 31])
}
