import Autodiff
import TensorCore

/// A pixel-space alignment for encoders whose stem has no patch embedding to share, such as TinyViT
/// (LiteMedSAM's stem is Conv1×1(3 → d/2)+BN → GELU → Conv1×1+BN on the full-resolution image):
/// `image [B, C, H, W]` → a 3-channel image `[B, 3, H, W]` for the pretrained RGB stem.
///
/// - `gated: false` is `baseline_d`'s `zip_rgbx` (Conv1×1 C → 3) moved in front of the stem.
/// - `gated: true` is SimCMF's "old" branch, `zip_rgbx(x · sigmoid(moe(x)))` with the same gate as
///   `SimCMFProjector`. SimCMF's "novel" branch (per-channel copies of the patch embedding summed over
///   RGB, mixed by a zero-initialised `fc`) has no counterpart here, so this equals the SimCMF projector
///   at init (fc = 0) only in spirit: the stem differs from a ViT patch embedding. This is this port's
///   analogue, not part of the reference.
///
/// Parameter names match `SimCMFProjector`'s (`image_encoder.projector.moe.…`, `….zip_rgbx.…`), so the
/// gate and mix of a trained SimCMF projector for the same C load unchanged.
public final class PixelChannelMixer: Module {
    public let inChannels: Int
    public let moe0: Conv2dLayer?
    public let moe1: ProjectorLayerNorm2d?
    public let moe3: Conv2dLayer?
    public let zipRGBX: Conv2dLayer

    public init(channels c: Int, gated: Bool, uniformInit: Bool = false, generator: inout SeededGenerator) throws {
        guard c >= 1 else { throw AlignmentError.invalidChannelCount(c) }
        let p = projectorPrefix
        inChannels = c
        if gated {
            moe0 = Conv2dLayer(dotted(p, "moe.0"), inChannels: c, outChannels: 4 * c, kernel: 3, padding: 1, generator: &generator)
            moe1 = ProjectorLayerNorm2d(dotted(p, "moe.1"), channels: 4 * c)
            moe3 = Conv2dLayer(dotted(p, "moe.3"), inChannels: 4 * c, outChannels: c, kernel: 3, padding: 1, generator: &generator)
        } else {
            moe0 = nil; moe1 = nil; moe3 = nil
        }
        zipRGBX = SimCMF.zipRGBX(dotted(p, "zip_rgbx"), channels: c, uniformInit: uniformInit, generator: &generator)
    }

    public var parameters: [Parameter] {
        (moe0?.parameters ?? []) + (moe1?.parameters ?? []) + (moe3?.parameters ?? []) + zipRGBX.parameters
    }

    /// `image [B, C, H, W]` → `[B, 3, H, W]`.
    public func callAsFunction(_ image: Variable) throws -> Variable {
        let s = image.shape
        guard s.count == 4, s[0] > 0, s[2] > 0, s[3] > 0 else {
            throw AlignmentError.badImageShape(field: "image", expected: "[B, \(inChannels), H, W]", got: s)
        }
        guard s[1] == inChannels else {
            throw AlignmentError.channelMismatch(kind: moe0 == nil ? .baselineD : .simcmf, expected: inChannels, got: s[1])
        }
        guard let moe0, let moe1, let moe3 else { return zipRGBX(image) }
        let w = sigmoid(adaptiveAveragePool2d(moe3(relu(moe1(moe0(image)))), size: (1, 1)))
        return zipRGBX(image * w)
    }
}

extension TinyViTSAM {
    /// Image embeddings `[B, 256, 64, 64]` of a C-channel image `[B, C, S, S]` through `mixer`
    /// (C → 3) and the pretrained TinyViT (see `PixelChannelMixer`).
    public func encodeImage(_ image: Variable, mixer: PixelChannelMixer) throws -> Variable {
        try imageEncoder.encode(mixer(image))
    }
}
