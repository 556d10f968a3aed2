import Autodiff
import Foundation
import TensorCore

/// LiteMedSAM (or any `TinyViTSAM`, e.g. MobileSAM at 1024) for a C-channel modality: a pixel-space alignment
/// (C → 3) in front of TinyViT, since
/// TinyViT's stem has no patch embedding for SimCMF's projector to share. Either
/// - a trained `PixelChannelMixer` (1×1 convolutions; `simcmf` = gated, `baseline_d` = plain), or
/// - the reference's `zeroshot` in pixel space (`channelSelection`): the first three channels for
///   C ≥ 3; for C < 3 the last channel replicated up to three (the reference's replicate pad, then
///   `x[:, :3]`): C = 1 → (0, 0, 0), C = 2 → (0, 1, 1). Nothing trains.
///
/// Trainable (any `FineTuningStrategy` TinyViT supports): the mixer always; TinyViT + mask decoder for
/// `full`, the mask decoder for `decoder`, the LoRA pairs for `lora`; the prompt encoder never (SimCMF's
/// `set_trainable_params`). TinyViT's BatchNorms use batch statistics in training only for `full`.
public final class ChannelMixedLiteMedSAM: SegmentationModel {
    public let base: TinyViTSAM
    /// The trained C → 3 mix (nil for the zero-shot channel selection).
    public let mixer: PixelChannelMixer?
    /// The input channels fed to TinyViT's R, G, B when `mixer` is nil.
    public let channelSelection: [Int]?
    public let inputChannels: Int

    /// A mixer in front of `base`; `strategy` (LoRA pairs installed for `lora`) decides what of
    /// `base` trains.
    /// - Parameters:
    ///   - gated: SimCMF's gated mix (`x · sigmoid(moe(x))` then C → 3) or the plain 1×1 mix (`baseline_d`).
    ///   - seed: seeds the mixer's initial weights, then the LoRA pairs' A matrices.
    public init(base: TinyViTSAM, channels: Int, gated: Bool, strategy: any FineTuningStrategy, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        self.base = base
        let m = try PixelChannelMixer(channels: channels, gated: gated, generator: &g)
        mixer = m
        channelSelection = nil
        inputChannels = channels
        try base.prepare(strategy, generator: &g)
        for p in m.parameters { p.trainable = true }
    }

    /// The zero-shot alignment: `base` on the selected channels (`zeroShotChannels`), nothing in front
    /// trains; `strategy` (default `FrozenModel`: nothing trains at all) decides what of `base` trains.
    /// - Parameter seed: seeds the strategy's new modules (LoRA pairs' A matrices).
    public init(zeroShot base: TinyViTSAM, channels: Int, strategy: any FineTuningStrategy = FrozenModel(), seed: UInt64 = 0) throws {
        guard channels >= 1 else { throw AlignmentError.invalidChannelCount(channels) }
        var g = SeededGenerator(seed: seed)
        self.base = base
        mixer = nil
        channelSelection = ChannelMixedLiteMedSAM.zeroShotChannels(channels)
        inputChannels = channels
        try base.prepare(strategy, generator: &g)
    }

    /// The input channels the zero-shot alignment feeds to R, G, B for `channels` input channels.
    public static func zeroShotChannels(_ channels: Int) -> [Int] {
        (0..<3).map { min($0, channels - 1) }
    }

    public var parameters: [Parameter] {
        base.imageEncoder.parameters + (mixer?.parameters ?? []) + base.promptEncoder.parameters + base.maskDecoder.parameters
    }
    public var inputSize: Int { base.inputSize }
    public var maskSize: Int { base.maskSize }

    /// `images [B, C, S, S]` → 3 channels (mixer or selection) → TinyViT embedding `[B, 256, 64, 64]`.
    public func embed(_ images: Variable) throws -> Variable {
        if let mixer { return try base.encodeImage(images, mixer: mixer) }
        let s = images.shape
        guard s.count == 4, s[1] == inputChannels else {
            throw AlignmentError.badImageShape(field: "image", expected: "[B, \(inputChannels), H, W]", got: s)
        }
        let selected = channelSelection!.map { images.slice(axis: 1, $0..<($0 + 1)) }
        return try base.encodeImage(Variable.concat(selected, axis: 1))
    }
    public func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable { try base.decode(embeddings: embeddings, prompts: prompts) }
    public func setTraining(_ training: Bool) { base.setTraining(training) }
    public var trainingBuffers: [Parameter] { base.trainingBuffers }
    public var trainingBufferMomentum: Float? { base.trainingBufferMomentum }
    /// Frozen when neither the mixer (absent or frozen) nor anything in TinyViT trains.
    public var alignmentParameters: [Parameter] { mixer?.parameters ?? [] }
    public var addedParameters: [Parameter] { base.addedParameters }
    public var embeddingIsFrozen: Bool { base.encoderIsFrozen && !(mixer?.parameters.contains { $0.trainable } ?? false) }
}
