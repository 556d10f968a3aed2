import Autodiff

/// The kinds of image encoder aims can load and fine-tune. A strategy installs its modules per family
/// (the attention layouts differ) or refuses a family with `FineTuningError.unsupported`.
public enum EncoderFamily: String, Sendable, Codable, CaseIterable {
    /// SAM's ViT (`vit_b`, `vit_l`, `vit_h`): plain blocks, window or global attention with decomposed
    /// relative position, fused `qkv` laid out per token as `[q | k | v]` (docs/REFERENCE.md §1.2).
    case vit
    /// TinyViT (LiteMedSAM, and MobileSAM-style checkpoints): a convolutional stem and MBConv stage, then
    /// windowed attention with a learned bias per relative offset, fused `qkv` laid out per head as
    /// `[heads, (q | k | v), key_dim]`.
    case tinyViT = "tinyvit"
}

/// One image-encoder interface for both families: `image [B, C, S, S]` → embedding `[B, 256, g, g]`: g = S/16 for
/// SAM's ViT and MobileSAM's TinyViT (3×3 stride-2 stem), S/4 for LiteMedSAM's (1×1 stem), so 64 × 64 at each
/// one's own input side (1024, 1024, 256); parameters under their state-dict names (`image_encoder.…`).
public protocol ImageEncoder: Module {
    var family: EncoderFamily { get }
    /// `image [B, C, H, W]` → `[B, 256, h, w]`, checking the input shape.
    func encode(_ image: Variable) throws -> Variable
    /// Non-trainable tensors training changes (TinyViT's BatchNorm running statistics); none for the ViT.
    var buffers: [Parameter] { get }
}

extension ImageEncoderViT: ImageEncoder {
    public var family: EncoderFamily { .vit }
    public func encode(_ image: Variable) throws -> Variable { try self(image) }
    public var buffers: [Parameter] { [] }
}

extension TinyViT: ImageEncoder {
    public var family: EncoderFamily { .tinyViT }
}

/// A SAM-style model: any `ImageEncoder` + SAM's prompt encoder and mask decoder (`SAMModel`, `TinyViTSAM`).
/// Fine-tuning strategies install into this, whatever the encoder family.
public protocol PromptableSAM: AnyObject {
    var encoder: any ImageEncoder { get }
    var promptEncoder: PromptEncoder { get }
    var maskDecoder: MaskDecoder { get }
}

extension PromptableSAM {
    public var encoderFamily: EncoderFamily { encoder.family }
}

extension SAMModel: PromptableSAM {
    public var encoder: any ImageEncoder { imageEncoder }
}

extension TinyViTSAM: PromptableSAM {
    public var encoder: any ImageEncoder { imageEncoder }
}
