import Foundation
import SimCMF
import Tensor

/// LiteMedSAM for a C-channel modality: a `PixelChannelMixer` (C → 3, 1×1 convolutions in pixel
/// space) in front of the pretrained TinyViT, since TinyViT's stem has no patch embedding for
/// SimCMF's projector to share.
///
/// Trainable: the mixer always; the image encoder (TinyViT) and the mask decoder when
/// `trainEncoder` is true (`--strategy full`), else only the mask decoder; the prompt encoder never
/// (as SimCMF's `set_trainable_params`). TinyViT's BatchNorms use batch statistics in training.
public final class ChannelMixedLiteMedSAM: SegmentationModel {
    public let base: LiteMedSAM
    public let mixer: PixelChannelMixer

    /// - Parameters:
    ///   - gated: SimCMF's gated mix (`x · sigmoid(moe(x))` then C → 3) or the plain 1×1 mix (`baseline_d`).
    ///   - seed: seeds the mixer's initial weights.
    public init(base: LiteMedSAM, channels: Int, gated: Bool, trainEncoder: Bool, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        self.base = base
        mixer = try PixelChannelMixer(channels: channels, gated: gated, generator: &g)
        base.applyFineTuningTrainability(trainEncoder: trainEncoder)
        for p in mixer.parameters { p.trainable = true }
    }

    public var parameters: [Parameter] { base.imageEncoder.parameters + mixer.parameters + base.promptEncoder.parameters + base.maskDecoder.parameters }
    public var inputChannels: Int { mixer.inChannels }
    public var inputSize: Int { LiteMedSAM.inputSize }
    public var maskSize: Int { base.maskSize }
    public func embed(_ images: Variable) throws -> Variable { try base.encodeImage(images, mixer: mixer) }
    public func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable { try base.decode(embeddings: embeddings, prompts: prompts) }
    public func setTraining(_ training: Bool) { base.setTraining(training) }
    public var trainingBuffers: [Parameter] { base.trainingBuffers }
}

extension LiteMedSAM {
    /// The trainable set this port uses for LiteMedSAM: the mask decoder always, the TinyViT image
    /// encoder when `trainEncoder`, the prompt encoder never.
    public func applyFineTuningTrainability(trainEncoder: Bool) {
        for p in imageEncoder.parameters { p.trainable = trainEncoder }
        for p in maskDecoder.parameters { p.trainable = true }
        for p in promptEncoder.parameters { p.trainable = false }
    }
}
