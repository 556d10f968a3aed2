import Foundation
import TensorCore

/// The architectures `ModelBuilder.scratch` builds without weights: SAM's three ViTs and the two TinyViT SAMs.
public enum ModelArchitecture: String, Sendable, Codable, CaseIterable {
    case vitB = "vit_b", vitL = "vit_l", vitH = "vit_h"
    case liteMedSAM = "lite_medsam", mobileSAM = "mobile_sam"

    public var family: EncoderFamily { tinyViTVariant == nil ? .vit : .tinyViT }

    /// The SAM configuration of a ViT architecture (nil for a TinyViT SAM).
    public var samConfiguration: SAMConfiguration? {
        switch self {
        case .vitB: return .vitB
        case .vitL: return .vitL
        case .vitH: return .vitH
        case .liteMedSAM, .mobileSAM: return nil
        }
    }

    /// The TinyViT SAM of a TinyViT architecture (nil for a ViT).
    public var tinyViTVariant: TinyViTSAMVariant? { TinyViTSAMVariant(rawValue: rawValue) }
}

/// Errors assembling a model from an encoder, an alignment and a strategy.
public enum ModelBuilderError: Error, LocalizedError, Equatable {
    /// The alignment module is undefined for this encoder family and channel count, and why.
    case unsupportedAlignment(alignment: String, family: String, reason: String)
    /// An input size the architecture cannot take.
    case unsupportedImageSize(architecture: String, size: Int, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .unsupportedAlignment(a, f, reason): return "alignment \(a) on a \(f) encoder: \(reason)"
        case let .unsupportedImageSize(a, s, reason): return "\(a) at input size \(s): \(reason)"
        }
    }
}

/// Assembles the trainable model for either encoder family from a base model, C input channels, an
/// alignment kind and a strategy (the one place that knows both families' wiring):
/// - a SAM ViT → `CrossModalSAM` (the alignment module replaces the patch embedding's input);
/// - a TinyViT SAM (LiteMedSAM, MobileSAM) → itself for C = 3 (no alignment), `ChannelMixedLiteMedSAM` with the
///   zero-shot channel selection for `zeroshot`, or with a `PixelChannelMixer` for `simcmf` (gated) / `baseline_d` (plain).
public enum ModelBuilder {
    /// The strategy installed, the reference's trainable set applied.
    public static func crossModalSAM(_ sam: SAMModel, channels: Int, alignment: AlignmentKind, strategy: any FineTuningStrategy,
                                     pretrained: Bool = true, seed: UInt64) throws -> CrossModalSAM {
        try CrossModalSAM(sam: sam, alignment: alignment, channels: channels, strategy: strategy, pretrained: pretrained, seed: seed)
    }

    /// A TinyViT SAM with the strategy installed and, for C ≠ 3 or `zeroshot`, a pixel-space alignment in front.
    public static func tinyViTSAM(_ base: TinyViTSAM, channels: Int, alignment: AlignmentKind, strategy: any FineTuningStrategy,
                                  seed: UInt64) throws -> any SegmentationModel {
        if alignment == .zeroshot { return try ChannelMixedLiteMedSAM(zeroShot: base, channels: channels, strategy: strategy, seed: seed) }
        if channels == 3 {
            var g = SeededGenerator(seed: seed)
            try base.prepare(strategy, generator: &g)
            return base
        }
        guard alignment == .simcmf || alignment == .baselineD else {
            throw ModelBuilderError.unsupportedAlignment(
                alignment: alignment.rawValue, family: EncoderFamily.tinyViT.rawValue,
                reason: "TinyViT has no linear patch embedding to share; with \(channels) channels use simcmf (gated pixel mix), baseline_d (1x1 mix) or zeroshot")
        }
        return try ChannelMixedLiteMedSAM(base: base, channels: channels, gated: alignment == .simcmf, strategy: strategy, seed: seed)
    }

    /// A model without weights (every module's PyTorch-style random init, seeded), e.g. for a dry run's
    /// counts or the reference's from-scratch baseline: SAM `vit_b|vit_l|vit_h` (at `imageSize`, default
    /// 1024) with the alignment's embedding copies random too (`pretrained: false`), or a TinyViT SAM at its
    /// own input side only (LiteMedSAM 256, MobileSAM 1024; `TinyViTSAMVariant.checkInputSize`).
    /// `seed` seeds the base model, then the alignment and the strategy's modules.
    public static func scratch(_ architecture: ModelArchitecture, channels: Int, alignment: AlignmentKind, strategy: any FineTuningStrategy,
                               imageSize: Int? = nil, seed: UInt64 = 0) throws -> any SegmentationModel {
        try strategy.check(architecture.family)
        if let variant = architecture.tinyViTVariant {
            try variant.checkInputSize(imageSize)
            return try tinyViTSAM(TinyViTSAM(randomSeed: seed, configuration: variant.encoderConfiguration), channels: channels,
                                  alignment: alignment, strategy: strategy, seed: seed)
        }
        guard var c = architecture.samConfiguration else { preconditionFailure("\(architecture) is neither a ViT nor a TinyViT SAM") }
        if let s = imageSize { c.imageSize = s }
        return try crossModalSAM(SAMModel(configuration: c, seed: seed), channels: channels, alignment: alignment, strategy: strategy,
                                 pretrained: false, seed: seed)
    }
}
