import Foundation
import SimCMF
import TensorCore
import TensorFiles

/// Builds the model a training or evaluation run fine-tunes or scores, from a weights file (`aims train`,
/// `aims eval`, `aims demo`). Option mistakes are `RunOptionError`s naming the CLI option.
///
/// - A SAM ViT checkpoint (official `.pth` or Hugging Face safetensors) → `CrossModalSAM`: the chosen
///   alignment module (C channels → patch tokens) in front, the chosen strategy installed, at the
///   checkpoint's input size or `imageSize` (position tables resized). Trainable: the strategy's
///   parameters plus the alignment module; the prompt encoder never.
/// - LiteMedSAM (TinyViT) → for C = 3 the model itself; otherwise `ChannelMixedLiteMedSAM`
///   (`PixelChannelMixer` C → 3 in front; `simcmf` = gated mix, `baseline_d` = plain 1×1 mix;
///   `zeroshot` = the first three channels, or the last repeated for C < 3, nothing in front trains).
///   Strategies (`FineTuningRegistry`, those TinyViT supports): `full` trains TinyViT + mask decoder
///   (+ mixer), `decoder` only the mask decoder (+ mixer), `lora` LoRA pairs in TinyViT and the decoder (+ mixer). `--init scratch`:
///   random weights, `full` only. Its input is fixed at 256.
public enum ModelFactory {
    /// `--init`: the checkpoint's weights, or the same architecture randomly initialised (LiteMedSAM only).
    public enum Initialization: String, Codable, CaseIterable { case pretrained, scratch }

    /// The `--strategy` names: the registry's, without `frozen` (zero-shot is `--alignment zeroshot` on LiteMedSAM).
    public static let strategies = FineTuningRegistry.names.filter { $0 != "frozen" }

    /// The strategy a run gets when none is asked for: the reference's `sam_lora` on a SAM ViT, full fine-tuning on
    /// LiteMedSAM (its encoder is small enough to train whole).
    public static func defaultStrategy(for family: EncoderFamily) -> String { family == .tinyViT ? "full" : "lora" }

    public struct Built {
        public var model: any SegmentationModel
        /// `"sam"` or `"litemedsam"`.
        public var family: String
        /// The strategy used (the family's default when none was asked for).
        public var strategy: String
        /// One line for the progress log, e.g. "LiteMedSAM + pixel channel mixer (4 → 3, simcmf, full)".
        public var description: String
    }

    public static func isLiteMedSAM(_ archive: TensorArchive) -> Bool { archive["image_encoder.patch_embed.seq.0.c.weight"] != nil }

    /// - Parameters:
    ///   - strategy: nil: `full` for LiteMedSAM, `lora` for a SAM ViT.
    ///   - imageSize: SAM only (nil: the checkpoint's size); must be 256 or nil for LiteMedSAM.
    public static func build(weights: URL, channels: Int, alignment: AlignmentKind, strategy requested: String?, imageSize: Int?,
                      initialization: Initialization = .pretrained, seed: UInt64) throws -> Built {
        let archive = try TensorFiles.read(weights)
        if isLiteMedSAM(archive) {
            return try buildLiteMedSAM(archive, channels: channels, alignment: alignment, strategy: requested, imageSize: imageSize,
                                       initialization: initialization, seed: seed)
        }
        guard initialization == .pretrained else {
            throw TrainingRunError.unsupported(field: "--init scratch", reason: "is implemented for LiteMedSAM only (a SAM ViT always starts from \(weights.lastPathComponent))")
        }
        let strategy = requested ?? defaultStrategy(for: .vit)
        var tensors: [String: Tensor] = [:]
        for t in archive.tensors { tensors[t.name] = t.tensor }
        let state = SAMStateDict(tensors, file: weights.lastPathComponent)
        let size = try imageSize ?? SAMCheckpoint.inferConfiguration(state).imageSize
        let sam = try SAMCheckpoint.load(state, imageSize: size)
        let model = try CrossModalSAM(sam: sam, alignment: alignment, channels: channels, strategy: try samStrategy(strategy), seed: seed)
        let c = sam.configuration
        return Built(model: model, family: "sam", strategy: strategy,
                     description: "SAM ViT (embed \(c.encoderEmbedDim), depth \(c.encoderDepth)) at \(size) + \(alignment.rawValue) + \(model.strategy.name)")
    }

    /// LiteMedSAM: pretrained (or, `--init scratch`, the same architecture randomly initialised from
    /// `seed`), the strategy installed, and for C != 3 (or `zeroshot`) a pixel-space alignment in front
    /// (`SimCMF.ModelBuilder.liteMedSAM`).
    static func buildLiteMedSAM(_ archive: TensorArchive, channels: Int, alignment: AlignmentKind, strategy requested: String?,
                                imageSize: Int?, initialization: Initialization, seed: UInt64) throws -> Built {
        let name = requested ?? defaultStrategy(for: .tinyViT)
        if let s = imageSize, s != LiteMedSAM.inputSize {
            throw RunOptionError(message: "--image-size: LiteMedSAM takes \(LiteMedSAM.inputSize)x\(LiteMedSAM.inputSize) input, got \(s)")
        }
        guard name != "frozen", let strategy = try? FineTuningRegistry.strategy(named: name, for: .tinyViT) else {
            throw RunOptionError(message: "--strategy \(name) edits a ViT SAM; LiteMedSAM supports full, decoder or lora")
        }
        let base: LiteMedSAM
        switch initialization {
        case .pretrained: base = try LiteMedSAM(checkpoint: archive)
        case .scratch:
            guard strategy is FullFineTuning else {
                throw RunOptionError(message: "--init scratch trains everything (the reference's from-scratch baseline); --strategy must be full, got \(name)")
            }
            base = try LiteMedSAM(randomSeed: seed, configuration: TinyViT.inferConfiguration(from: archive, prefix: "image_encoder",
                                                                                              imageSize: LiteMedSAM.inputSize))
        }
        let origin = initialization == .scratch ? "LiteMedSAM from scratch (seed \(seed))" : "LiteMedSAM"
        let model: any SegmentationModel
        do {
            model = try ModelBuilder.liteMedSAM(base, channels: channels, alignment: alignment, strategy: strategy, seed: seed)
        } catch ModelBuilderError.unsupportedAlignment {
            throw RunOptionError(message: "--alignment \(alignment.rawValue): LiteMedSAM with \(channels) channels supports simcmf (gated pixel mix), baseline_d (1x1 mix) or zeroshot")
        }
        let description: String
        if let m = model as? ChannelMixedLiteMedSAM, let selection = m.channelSelection {
            description = "\(origin) + zero-shot channels \(selection.map(String.init).joined(separator: ",")) of \(channels) (\(name))"
        } else if model is ChannelMixedLiteMedSAM {
            description = "\(origin) + pixel channel mixer (\(channels) → 3, \(alignment.rawValue), \(name))"
        } else {
            description = "\(origin) (3 channels, \(name))"
        }
        return Built(model: model, family: "litemedsam", strategy: name, description: description)
    }

    /// The reference's six strategies (the CLI keeps `decoder` for LiteMedSAM, as before the registry).
    static func samStrategy(_ name: String) throws -> any FineTuningStrategy {
        let supported = ["full", "linear", "lora", "adapter", "prompt", "prefix"]
        guard supported.contains(name), let strategy = try? FineTuningRegistry.strategy(named: name, for: .vit) else {
            throw RunOptionError(message: "--strategy must be one of \(supported.joined(separator: ", ")) for a SAM ViT, got \(name)")
        }
        return strategy
    }
}
