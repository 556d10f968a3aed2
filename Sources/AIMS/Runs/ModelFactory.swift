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
/// - a TinyViT SAM checkpoint (LiteMedSAM at 256, MobileSAM at 1024, told apart by the stem: `TinyViTSAMVariant`)
///   → for C = 3 the model itself; otherwise `ChannelMixedLiteMedSAM`
///   (`PixelChannelMixer` C → 3 in front; `simcmf` = gated mix, `baseline_d` = plain 1×1 mix;
///   `zeroshot` = the first three channels, or the last repeated for C < 3, nothing in front trains).
///   Strategies (`FineTuningRegistry`, those TinyViT supports): `full` trains TinyViT + mask decoder
///   (+ mixer), `decoder` only the mask decoder (+ mixer), `lora` LoRA pairs in TinyViT and the decoder (+ mixer). `--init scratch`:
///   random weights, `full` only. Its input side is the variant's (`--image-size` may only repeat it).
public enum ModelFactory {
    /// `--init`: the checkpoint's weights, or the same architecture randomly initialised (TinyViT SAMs only).
    public enum Initialization: String, Codable, CaseIterable { case pretrained, scratch }

    /// The `--strategy` names: the registry's, without `frozen` (zero-shot is `--alignment zeroshot` on LiteMedSAM).
    public static let strategies = FineTuningRegistry.names.filter { $0 != "frozen" }

    /// The strategy a run gets when none is asked for: the reference's `sam_lora` on a SAM ViT, full fine-tuning on
    /// a TinyViT SAM (its encoder is small enough to train whole).
    public static func defaultStrategy(for family: EncoderFamily) -> String { family == .tinyViT ? "full" : "lora" }

    public struct Built {
        public var model: any SegmentationModel
        /// `"sam"`, `"litemedsam"` or `"mobilesam"`.
        public var family: String
        /// The strategy used (the family's default when none was asked for).
        public var strategy: String
        /// One line for the progress log, e.g. "LiteMedSAM + pixel channel mixer (4 → 3, simcmf, full)".
        public var description: String
    }

    /// - Parameters:
    ///   - strategy: nil: `full` for a TinyViT SAM, `lora` for a SAM ViT.
    ///   - imageSize: SAM: nil for the checkpoint's size. TinyViT SAM: nil or the variant's own side (256
    ///     LiteMedSAM, 1024 MobileSAM), else `ModelBuilderError.unsupportedImageSize`.
    public static func build(weights: URL, channels: Int, alignment: AlignmentKind, strategy requested: String?, imageSize: Int?,
                      initialization: Initialization = .pretrained, seed: UInt64) throws -> Built {
        let archive = try TensorFiles.read(weights)
        if TinyViTSAMVariant(checkpoint: archive) != nil {
            return try buildTinyViTSAM(archive, channels: channels, alignment: alignment, strategy: requested, imageSize: imageSize,
                                       initialization: initialization, seed: seed)
        }
        guard initialization == .pretrained else {
            throw TrainingRunError.unsupported(field: "--init scratch", reason: "is implemented for TinyViT SAMs only (a SAM ViT always starts from \(weights.lastPathComponent))")
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

    /// A TinyViT SAM (LiteMedSAM or MobileSAM, by the checkpoint's stem): pretrained (or, `--init scratch`, the
    /// same architecture randomly initialised from `seed`), the strategy installed, and for C != 3 (or `zeroshot`) a
    /// pixel-space alignment in front (`SimCMF.ModelBuilder.tinyViTSAM`).
    static func buildTinyViTSAM(_ archive: TensorArchive, channels: Int, alignment: AlignmentKind, strategy requested: String?,
                                imageSize: Int?, initialization: Initialization, seed: UInt64) throws -> Built {
        let name = requested ?? defaultStrategy(for: .tinyViT)
        let configuration = try TinyViT.inferConfiguration(from: archive, prefix: "image_encoder")
        let variant = TinyViTSAMVariant(stem: configuration.stem)
        try variant.checkInputSize(imageSize)
        guard name != "frozen", let strategy = try? FineTuningRegistry.strategy(named: name, for: .tinyViT) else {
            throw RunOptionError(message: "--strategy \(name) edits a ViT SAM; \(variant.name) supports full, decoder or lora")
        }
        let base: TinyViTSAM
        switch initialization {
        case .pretrained: base = try TinyViTSAM(checkpoint: archive)
        case .scratch:
            guard strategy is FullFineTuning else {
                throw RunOptionError(message: "--init scratch trains everything (the reference's from-scratch baseline); --strategy must be full, got \(name)")
            }
            base = try TinyViTSAM(randomSeed: seed, configuration: configuration)
        }
        let origin = initialization == .scratch ? "\(variant.name) from scratch (seed \(seed))" : variant.name
        let model: any SegmentationModel
        do {
            model = try ModelBuilder.tinyViTSAM(base, channels: channels, alignment: alignment, strategy: strategy, seed: seed)
        } catch ModelBuilderError.unsupportedAlignment {
            throw RunOptionError(message: "--alignment \(alignment.rawValue): \(variant.name) with \(channels) channels supports simcmf (gated pixel mix), baseline_d (1x1 mix) or zeroshot")
        }
        let description: String
        if let m = model as? ChannelMixedLiteMedSAM, let selection = m.channelSelection {
            description = "\(origin) + zero-shot channels \(selection.map(String.init).joined(separator: ",")) of \(channels) (\(name))"
        } else if model is ChannelMixedLiteMedSAM {
            description = "\(origin) + pixel channel mixer (\(channels) → 3, \(alignment.rawValue), \(name))"
        } else {
            description = "\(origin) (3 channels, \(name))"
        }
        return Built(model: model, family: variant.name.lowercased(), strategy: name, description: description + " at \(variant.inputSize)")
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
