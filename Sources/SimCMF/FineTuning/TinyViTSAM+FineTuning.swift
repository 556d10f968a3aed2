import Foundation
import TensorCore

/// Fine-tuning a TinyViT SAM (LiteMedSAM, MobileSAM) with any `FineTuningStrategy` the family supports
/// (`FineTuningRegistry.names(supportedBy: .tinyViT)`): `full`, `lora`, `decoder`, `frozen`.
/// The prompt encoder never trains (SimCMF's `set_trainable_params`, docs/REFERENCE.md §4).
extension TinyViTSAM {
    /// Sets every parameter's `trainable` flag: the strategy's filter on the encoder and mask decoder;
    /// the prompt encoder frozen.
    public func applyTrainability(_ strategy: any FineTuningStrategy) {
        for p in imageEncoder.parameters + maskDecoder.parameters { p.trainable = strategy.trains(p.name) }
        for p in promptEncoder.parameters { p.trainable = false }
    }

    /// Installs what `strategy` needs (e.g. LoRA pairs, drawn from `generator`) and sets the trainable flags.
    /// Throws `FineTuningError.unsupported` for a strategy TinyViT does not support.
    public func prepare(_ strategy: any FineTuningStrategy, generator: inout SeededGenerator) throws {
        try strategy.check(.tinyViT)
        try strategy.install(into: self, generator: &generator)
        applyTrainability(strategy)
    }

    /// Whether TinyViT's own weights train (then its BatchNorms use batch statistics in training;
    /// otherwise the encoder is frozen including its running statistics). Fine-tuning modules' tensors
    /// (`addedParameters`) do not count.
    public var encoderWeightsTrain: Bool {
        let added = Set(addedParameters.map(ObjectIdentifier.init))
        return imageEncoder.parameters.contains { $0.trainable && !added.contains(ObjectIdentifier($0)) }
    }

    /// True when nothing in the image encoder trains (no weight, no LoRA pair, no BatchNorm statistic),
    /// so the embedding of an image never changes during training.
    public var encoderIsFrozen: Bool { !imageEncoder.parameters.contains { $0.trainable } }
}
