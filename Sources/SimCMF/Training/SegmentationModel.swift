import Autodiff

/// The seam between the trainer/evaluator and a promptable segmentation model. The trainer sees
/// only a channel count, an input size and tensors, never a modality.
///
/// A conformer is a `Module` whose `parameters` carry their state-dict names and `trainable`
/// flags; the trainer updates exactly the trainable ones (a fine-tuning strategy decides which).
/// A wrapper "alignment module + SAM" conforms by reporting its own `inputChannels` and doing
/// the alignment inside `embed`.
public protocol SegmentationModel: Module {
    /// Channels `C` of the normalised model input.
    var inputChannels: Int { get }
    /// Side `S` of the square model input in pixels; clicks and boxes are in these pixels.
    var inputSize: Int { get }
    /// Side `M` of the low-resolution mask logits (256 for SAM at 1024 input).
    var maskSize: Int { get }
    /// `images [B, C, S, S]` → image embeddings (e.g. `[B, 256, 64, 64]`).
    func embed(_ images: Variable) throws -> Variable
    /// Embeddings `[B, ...]` and prompts for `B` objects (in input pixels) → single-mask logits
    /// `[B, 1, M, M]` (mask token 0, as SimCMF's `multimask_output=False`).
    func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable
    /// Switches layers that behave differently in training (BatchNorm batch statistics, dropout),
    /// as PyTorch's `model.train()` / `model.eval()`. Default: nothing to switch.
    func setTraining(_ training: Bool)
    /// Non-trainable tensors that training changes (BatchNorm running statistics); checkpoints
    /// save them so that a resume is exact. Default: none.
    var trainingBuffers: [Parameter] { get }
    /// The momentum `m` of every training buffer when each is a running average updated once per training
    /// forward, `b ← (1 − m)·b + m·x` (BatchNorm's running statistics: 0.1); nil when there are none or
    /// they are not. Data-parallel training uses it to combine the ranks' updates into those one process
    /// would make running the ranks' shares one after another (`Trainer.combineRanks`). Default nil.
    var trainingBufferMomentum: Float? { get }
    /// True when nothing before or inside the image encoder trains and `embed` is deterministic in
    /// training mode too, so an image's embedding never changes while training: the trainer then
    /// computes each training image's embedding once and reuses it (`Trainer.embeddingCache`).
    /// Default false (always correct, never cached).
    var embeddingIsFrozen: Bool { get }
    /// The alignment module's parameters (C channels → what the encoder takes), always trainable;
    /// `TrainableSummary` reports them as a group. Default: none (the model takes its channels as they are).
    var alignmentParameters: [Parameter] { get }
    /// The tensors fine-tuning modules added to the model (LoRA pairs, adapters, prompt or prefix tokens, IA³
    /// vectors), found at the layers' swappable seams, whatever their names; `TrainableSummary` reports them as
    /// the PEFT group. Default: none.
    var addedParameters: [Parameter] { get }
    /// Whether `decode` uses `SAMPrompts.masks` (low-resolution mask logits `[B, 1, M, M]`, SAM's `mask_input`)
    /// as a dense prompt; the interactive protocol feeds the previous prediction back only when true.
    /// Default true: every model here passes the prompts to SAM's prompt encoder, whose `mask_downscaling`
    /// takes them (SAM ViT, LiteMedSAM and MobileSAM alike, and the wrappers around them).
    var acceptsMaskPrompt: Bool { get }
}

extension SegmentationModel {
    public func setTraining(_ training: Bool) {}
    public var trainingBuffers: [Parameter] { [] }
    public var trainingBufferMomentum: Float? { nil }
    public var embeddingIsFrozen: Bool { false }
    public var alignmentParameters: [Parameter] { [] }
    public var addedParameters: [Parameter] { [] }
    public var acceptsMaskPrompt: Bool { true }
}

extension SAMModel: SegmentationModel {
    public var inputChannels: Int { configuration.inChannels }
    public var inputSize: Int { configuration.imageSize }
    public var maskSize: Int { configuration.lowResMaskSize }
    public func embed(_ images: Variable) throws -> Variable { try encodeImage(images) }
    public func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        try decodeMasks(imageEmbeddings: embeddings, prompts: prompts, multimaskOutput: false).masks
    }
    /// No trainable `image_encoder.*` tensor (plain SAM has no dropout or BatchNorm in its encoder).
    public var embeddingIsFrozen: Bool { !parameters.contains { $0.trainable && $0.name.hasPrefix("image_encoder.") } }
    public var addedParameters: [Parameter] { fineTuningModuleParameters(self) }
}

/// LiteMedSAM (S = 256) and MobileSAM (S = 1024): masks at 4 × the 64 × 64 grid, 256 × 256 for both.
extension TinyViTSAM: SegmentationModel {
    public var inputChannels: Int { 3 }
    public var maskSize: Int { 4 * embeddingSize }
    public func embed(_ images: Variable) throws -> Variable { try encodeImage(images) }
    public func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        try segment(imageEmbeddings: embeddings, prompts: prompts).masks
    }
    /// TinyViT's BatchNorms: batch statistics (running statistics updated) in training when TinyViT's
    /// own weights train (`encoderWeightsTrain`, strategy `full`); folded otherwise (a frozen encoder
    /// keeps its statistics, e.g. `decoder` and `lora`).
    public func setTraining(_ training: Bool) {
        imageEncoder.batchNormMode = training && encoderWeightsTrain ? .training : .evaluationFolded
    }
    public var trainingBuffers: [Parameter] { imageEncoder.buffers }
    public var trainingBufferMomentum: Float? { Conv2dBatchNorm.runningMomentum }
    public var embeddingIsFrozen: Bool { encoderIsFrozen }
    public var addedParameters: [Parameter] { fineTuningModuleParameters(self) }
}

/// SimCMF's model: a cross-modal alignment module in front of a SAM with a fine-tuning strategy.
/// The trainer drives it like any other model; only the channel count differs.
extension CrossModalSAM: SegmentationModel {
    public var inputChannels: Int { projector.inChannels }
    public var inputSize: Int { sam.inputSize }
    public var maskSize: Int { sam.maskSize }
    public func embed(_ images: Variable) throws -> Variable { try encodeImage(images) }
    public func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        try sam.decode(embeddings: embeddings, prompts: prompts)
    }
    public var alignmentParameters: [Parameter] { projector.parameters }
    public var addedParameters: [Parameter] { fineTuningModuleParameters(sam) }
}
