import AIMS
import Foundation
import SimCMF
import Tensor

/// Builds the model `aims train` / `aims eval` fine-tune or score, from a weights file.
///
/// - A SAM ViT checkpoint (official `.pth` or Hugging Face safetensors) → `CrossModalSAM`: the chosen
///   alignment module (C channels → patch tokens) in front, the chosen strategy installed, at the
///   checkpoint's input size or `imageSize` (position tables resized). Trainable: the strategy's
///   parameters plus the alignment module; the prompt encoder never.
/// - LiteMedSAM (TinyViT) → for C = 3 the model itself; otherwise `ChannelMixedLiteMedSAM`
///   (`PixelChannelMixer` C → 3 in front; `simcmf` = gated mix, `baseline_d` = plain 1×1 mix).
///   Strategies: `full` trains TinyViT + mask decoder (+ mixer), `decoder` only the mask decoder
///   (+ mixer). Its input is fixed at 256.
enum ModelFactory {
    static let strategies = ["full", "linear", "lora", "adapter", "prompt", "prefix", "decoder"]

    struct Built {
        var model: any SegmentationModel
        var family: String
        /// The strategy used (the family's default when none was asked for).
        var strategy: String
        var description: String
    }

    static func isLiteMedSAM(_ archive: TensorArchive) -> Bool { archive["image_encoder.patch_embed.seq.0.c.weight"] != nil }

    /// - Parameters:
    ///   - strategy: nil: `full` for LiteMedSAM, `lora` for a SAM ViT.
    ///   - imageSize: SAM only (nil: the checkpoint's size); must be 256 or nil for LiteMedSAM.
    static func build(weights: URL, channels: Int, alignment: AlignmentKind, strategy requested: String?, imageSize: Int?, seed: UInt64) throws -> Built {
        let archive = try TensorFiles.read(weights)
        if isLiteMedSAM(archive) {
            let strategy = requested ?? "full"
            if let s = imageSize, s != LiteMedSAM.inputSize {
                throw UsageError(message: "--image-size: LiteMedSAM takes \(LiteMedSAM.inputSize)x\(LiteMedSAM.inputSize) input, got \(s)")
            }
            guard strategy == "full" || strategy == "decoder" else {
                throw UsageError(message: "--strategy \(strategy) edits a ViT SAM; LiteMedSAM supports full or decoder")
            }
            let base = try LiteMedSAM(checkpoint: archive)
            if channels == 3 {
                base.applyFineTuningTrainability(trainEncoder: strategy == "full")
                return Built(model: base, family: "litemedsam", strategy: strategy, description: "LiteMedSAM (3 channels, \(strategy))")
            }
            if alignment == .zeroshot {
                throw TrainCommandError.unsupported(field: "--alignment zeroshot",
                                                    reason: "LiteMedSAM has no patch embedding to take the first three of \(channels) channels; it needs a trained channel mixer (aims train)")
            }
            guard alignment == .simcmf || alignment == .baselineD else {
                throw UsageError(message: "--alignment \(alignment.rawValue): LiteMedSAM with \(channels) channels supports simcmf (gated pixel mix) or baseline_d (1x1 mix)")
            }
            let m = try ChannelMixedLiteMedSAM(base: base, channels: channels, gated: alignment == .simcmf, trainEncoder: strategy == "full", seed: seed)
            return Built(model: m, family: "litemedsam", strategy: strategy, description: "LiteMedSAM + pixel channel mixer (\(channels) → 3, \(alignment.rawValue), \(strategy))")
        }
        let strategy = requested ?? "lora"
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

    static func samStrategy(_ name: String) throws -> any FineTuningStrategy {
        switch name {
        case "full": return FullFineTuning()
        case "linear": return LinearProbing()
        case "lora": return LoRATuning()
        case "adapter": return MLPAdapterTuning()
        case "prompt": return VisualPromptTuning()
        case "prefix": return PrefixTuning()
        default: throw UsageError(message: "--strategy must be one of full, linear, lora, adapter, prompt, prefix for a SAM ViT, got \(name)")
        }
    }
}
