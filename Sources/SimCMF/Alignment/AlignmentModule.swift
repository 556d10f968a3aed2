import Autodiff
import Foundation
import TensorCore

/// A cross-modal alignment module: maps a `C`-channel modality image to patch tokens for SAM's ViT,
/// using (or replacing) the encoder's pretrained 3-channel patch embedding. Parameters are named
/// `image_encoder.projector.…` as in the reference (`Pre_Callback_Post_Projector`).
public protocol AlignmentModule: Module {
    /// The kind this module implements.
    var kind: AlignmentKind { get }
    /// The input channel count C it was built for.
    var inChannels: Int { get }
    /// `image [B, C, H, W]` → tokens `[B, H/p, W/p, D]` *without* `pos_embed` (the encoder adds it).
    /// `patchEmbed` is SAM's own `image_encoder.patch_embed.proj` (Conv2d(3, D, p, p)).
    func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable
}

/// The reference's `-proj_type`s implemented here.
public enum AlignmentKind: String, Sendable, Codable, CaseIterable {
    /// SimCMF (`simcmf`, named `simmat` before `76defb5`).
    case simcmf
    /// A new random Conv2d(C, D, p, p) replacing the patch embedding.
    case baselineA = "baseline_a"
    /// Conv3×3(C→4C) → ReLU → Conv1×1(4C→3) → a trainable copy of the pretrained patch embedding.
    case baselineB = "baseline_b"
    /// Conv1×1(C→3) → a trainable copy of the pretrained patch embedding.
    case baselineC = "baseline_c"
    /// Conv1×1(C→3) → SAM's own patch embedding.
    case baselineD = "baseline_d"
    /// No parameters: the first three channels (or one channel repeated) through SAM's patch embedding.
    case zeroshot
}

/// The parameter prefix of every alignment module (`image_encoder.projector`).
public let projectorPrefix = "image_encoder.projector"

/// Errors building or applying an alignment module, naming the offending field.
public enum AlignmentError: Error, LocalizedError, Equatable {
    /// The image's channel count differs from the one the module was built for.
    case channelMismatch(kind: AlignmentKind, expected: Int, got: Int)
    /// The image is not `[B, C, H, W]` with H, W positive multiples of the patch size.
    case badImageShape(field: String, expected: String, got: [Int])
    /// A channel count below 1.
    case invalidChannelCount(Int)
    /// The encoder's patch embedding is not a 3-channel Conv2d with kernel = stride (the pretrained layout).
    case unsupportedPatchEmbedding(shape: [Int])
    /// Zero-shot takes 1 or ≥ 3 channels (2 channels have no RGB reading).
    case zeroShotChannels(Int)

    public var errorDescription: String? {
        switch self {
        case let .channelMismatch(kind, expected, got):
            return "alignment module \(kind.rawValue) was built for C=\(expected) input channels but the image has \(got)"
        case let .badImageShape(field, expected, got):
            return "\(field): expected \(expected), got \(got)"
        case let .invalidChannelCount(c):
            return "alignment module: input channel count must be ≥ 1, got \(c)"
        case let .unsupportedPatchEmbedding(shape):
            return "image_encoder.patch_embed.proj.weight: expected [D, 3, p, p], got \(shape)"
        case let .zeroShotChannels(c):
            return "zeroshot alignment: needs 1 channel (repeated to RGB) or at least 3 (the first three are used), got \(c)"
        }
    }
}

extension AlignmentModule {
    /// Checks `image [B, C, H, W]` against the built channel count and the patch size `p`.
    func validate(_ image: Variable, patchSize p: Int) throws {
        let s = image.shape
        guard s.count == 4, s[0] > 0, s[2] > 0, s[3] > 0, s[2] % p == 0, s[3] % p == 0 else {
            throw AlignmentError.badImageShape(field: "image", expected: "[B, \(inChannels), H, W] with H, W positive multiples of \(p)", got: s)
        }
        guard s[1] == inChannels else { throw AlignmentError.channelMismatch(kind: kind, expected: inChannels, got: s[1]) }
    }
}

/// Builds the alignment module of `kind` for `channels` input channels.
/// - Parameters:
///   - patchEmbed: SAM's pretrained patch embedding (`[D, 3, p, p]`); its weights seed the copies that
///     `simcmf` (summed over RGB) and `baseline_b/c` hold. Pass `pretrained: false` for a randomly
///     initialised SAM ("from scratch"): the copies then keep PyTorch's default init, as the reference.
///   - uniformInit: the reference's `-uniformInit` (zip_rgbx weights `U(0, 1)`, biases 0).
///   - baselineBPaddingBug: reproduce `baseline_b`'s `padding=1` on its 1×1 conv (docs/REFERENCE.md §9.2).
public func makeAlignmentModule(_ kind: AlignmentKind, channels: Int, patchEmbed: Conv2dLayer, pretrained: Bool = true,
                                uniformInit: Bool = false, baselineBPaddingBug: Bool = false,
                                generator: inout SeededGenerator) throws -> any AlignmentModule {
    guard channels >= 1 else { throw AlignmentError.invalidChannelCount(channels) }
    let ws = patchEmbed.weight.value.shape
    guard ws.count == 4, ws[1] == 3, ws[2] == ws[3], patchEmbed.geometry.stride == ws[2] else {
        throw AlignmentError.unsupportedPatchEmbedding(shape: ws)
    }
    switch kind {
    case .simcmf:
        return SimCMFProjector(channels: channels, patchEmbed: patchEmbed, pretrained: pretrained, uniformInit: uniformInit, generator: &generator)
    case .baselineA:
        return BaselineAProjector(channels: channels, embedDim: ws[0], patchSize: ws[2], generator: &generator)
    case .baselineB:
        return BaselineBProjector(channels: channels, patchEmbed: patchEmbed, pretrained: pretrained, uniformInit: uniformInit,
                                  paddingBug: baselineBPaddingBug, generator: &generator)
    case .baselineC:
        return BaselineCProjector(channels: channels, patchEmbed: patchEmbed, pretrained: pretrained, uniformInit: uniformInit, generator: &generator)
    case .baselineD:
        return BaselineDProjector(channels: channels, uniformInit: uniformInit, generator: &generator)
    case .zeroshot:
        guard channels == 1 || channels >= 3 else { throw AlignmentError.zeroShotChannels(channels) }
        return ZeroShotProjector(channels: channels)
    }
}

/// Conv1×1(C → 3) with the reference's `zip_rgbx` init: PyTorch default, or with `-uniformInit` weight `U(0,1)`, bias 0.
func zipRGBX(_ name: String, channels: Int, uniformInit: Bool, generator: inout SeededGenerator) -> Conv2dLayer {
    let conv = Conv2dLayer(name, inChannels: channels, outChannels: 3, kernel: 1, generator: &generator)
    if uniformInit {
        conv.weight.value = Tensor.uniform([3, channels, 1, 1], low: 0, high: 1, using: &generator)
        conv.bias!.value = .zeros([3])
    }
    return conv
}

/// A trainable copy of the pretrained patch embedding (`Conv2d(3, D, p, p)`) under `name`.
func patchEmbeddingCopy(_ name: String, of patchEmbed: Conv2dLayer, pretrained: Bool, generator: inout SeededGenerator) -> Conv2dLayer {
    let ws = patchEmbed.weight.value.shape
    let conv = Conv2dLayer(name, inChannels: 3, outChannels: ws[0], kernel: ws[2], stride: ws[2], generator: &generator)
    if pretrained {
        conv.weight.value = patchEmbed.weight.value
        conv.bias!.value = patchEmbed.bias!.value
    }
    return conv
}
