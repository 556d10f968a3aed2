import Autodiff
import TensorCore
import TensorKernels

/// A `SegmentationModel` whose decoder also gives its predicted IoU and, on request, SAM's three multimask
/// outputs: what prediction and automatic mask generation need beyond `decode`'s single mask.
public protocol ScoredMaskDecoding: SegmentationModel {
    /// Whether three masks per prompt (mask tokens 1–3) are the model's natural output: SAM and MobileSAM yes;
    /// LiteMedSAM (MedSAM trains token 0 only) and trained runs (SimCMF trains token 0, `decode`) no.
    var multimaskByDefault: Bool { get }
    /// Embeddings and prompts (input pixels) for B objects → logits `[B, K, M, M]` and predicted IoU `[B, K]`,
    /// K = 3 (tokens 1–3) with `multimaskOutput`, else 1 (token 0, the mask `decode` returns).
    func decodeScored(embeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable)
}

extension SAMModel: ScoredMaskDecoding {
    public var multimaskByDefault: Bool { true }
    public func decodeScored(embeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable) {
        try decodeMasks(imageEmbeddings: embeddings, prompts: prompts, multimaskOutput: multimaskOutput)
    }
}

extension TinyViTSAM: ScoredMaskDecoding {
    public var multimaskByDefault: Bool { variant == .mobileSAM }
    public func decodeScored(embeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable) {
        try segment(imageEmbeddings: embeddings, prompts: prompts, multimaskOutput: multimaskOutput)
    }
}

extension CrossModalSAM: ScoredMaskDecoding {
    public var multimaskByDefault: Bool { false }
    public func decodeScored(embeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable) {
        try sam.decodeScored(embeddings: embeddings, prompts: prompts, multimaskOutput: multimaskOutput)
    }
}

extension ChannelMixedLiteMedSAM: ScoredMaskDecoding {
    public var multimaskByDefault: Bool { false }
    public func decodeScored(embeddings: Variable, prompts: SAMPrompts, multimaskOutput: Bool) throws -> (masks: Variable, iou: Variable) {
        try base.decodeScored(embeddings: embeddings, prompts: prompts, multimaskOutput: multimaskOutput)
    }
}
