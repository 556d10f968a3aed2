import Foundation
import TensorCore
import TensorFiles

/// Loading SAM weights: official `sam_vit_{b,l,h}_*.pth` (or any file with the official keys) and
/// Hugging Face `SamModel` safetensors, with the architecture read from the tensor shapes.
public enum SAMCheckpoint {
    /// Reads the tensors of a `.pth`, `.safetensors` or `.npz`-like file (see `TensorFiles`).
    public static func stateDict(contentsOf url: URL) throws -> SAMStateDict {
        let archive = try TensorFiles.read(url)
        var dict: [String: Tensor] = [:]
        for t in archive.tensors { dict[t.name] = t.tensor }
        return SAMStateDict(dict, file: url.lastPathComponent)
    }

    /// Builds the SAM a checkpoint file describes and loads it.
    /// - Parameter decoderHeads: the two-way transformer's head count, which no tensor shape reveals
    ///   (8 in every official SAM).
    public static func load(contentsOf url: URL, decoderHeads: Int = 8) throws -> SAMModel {
        try load(stateDict(contentsOf: url), decoderHeads: decoderHeads)
    }

    /// Builds the SAM a state dict describes and loads it.
    public static func load(_ state: SAMStateDict, decoderHeads: Int = 8) throws -> SAMModel {
        let model = try SAMModel(configuration: inferConfiguration(state, decoderHeads: decoderHeads))
        try model.load(state)
        return model
    }

    /// The architecture from the tensor shapes: embed dim and patch from `patch_embed.proj.weight`,
    /// the grid (hence image size) from `pos_embed`, depth from the block count, heads from the
    /// rel-pos width (head dim), global blocks as those whose rel-pos tables span the grid (`2G − 1`),
    /// the window from the others, and the prompt/decoder sizes from their weights.
    public static func inferConfiguration(_ s: SAMStateDict, decoderHeads: Int = 8) throws -> SAMConfiguration {
        func tensor(_ key: String) throws -> Tensor {
            guard let t = s[key] else {
                throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: s.storedNames(of: key)[0], reason: "tensor not found")
            }
            return t
        }
        func shaped(_ key: String, rank: Int) throws -> [Int] {
            let sh = try tensor(key).shape
            guard sh.count == rank, sh.allSatisfy({ $0 > 0 }) else {
                throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: s.storedNames(of: key)[0],
                                                                 reason: "shape \(sh), expected rank \(rank)")
            }
            return sh
        }
        let e = "image_encoder"
        let patch = try shaped("\(e).patch_embed.proj.weight", rank: 4)          // [C, in, p, p]
        let (dim, inChannels, patchSize) = (patch[0], patch[1], patch[2])
        let pos = try shaped("\(e).pos_embed", rank: 4)                         // [1, G, G, C]
        let grid = pos[1]
        var depth = 0
        while s["\(e).blocks.\(depth).norm1.weight"] != nil { depth += 1 }
        guard depth > 0 else {
            throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: s.storedNames(of: "\(e).blocks.0.norm1.weight")[0],
                                                             reason: "no encoder blocks")
        }
        var globals: [Int] = [], window = 14, headDim = 0
        for i in 0..<depth {
            let rel = try shaped("\(e).blocks.\(i).attn.rel_pos_h", rank: 2)     // [2S − 1, headDim]
            headDim = rel[1]
            if rel[0] == 2 * grid - 1 { globals.append(i) } else { window = (rel[0] + 1) / 2 }
        }
        guard dim % headDim == 0 else {
            throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: "rel_pos_h",
                                                             reason: "head dim \(headDim) does not divide embed dim \(dim)")
        }
        let mlpHidden = try shaped("\(e).blocks.0.mlp.lin1.weight", rank: 2)[0]
        guard mlpHidden % dim == 0 else {
            throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: "mlp.lin1.weight",
                                                             reason: "MLP width \(mlpHidden) is not a multiple of \(dim)")
        }
        let promptDim = try shaped("\(e).neck.0.weight", rank: 4)[0]
        let maskIn = try shaped("prompt_encoder.mask_downscaling.3.weight", rank: 4)[0]
        let t = "mask_decoder.transformer"
        var decoderDepth = 0
        while s["\(t).layers.\(decoderDepth).norm1.weight"] != nil { decoderDepth += 1 }
        let mlpDim = try shaped("\(t).layers.0.mlp.lin1.weight", rank: 2)[0]
        let crossDim = try shaped("\(t).final_attn_token_to_image.q_proj.weight", rank: 2)[0]
        let maskTokens = try shaped("mask_decoder.mask_tokens.weight", rank: 2)[0]
        var iouDepth = 0
        while s["mask_decoder.iou_prediction_head.layers.\(iouDepth).weight"] != nil { iouDepth += 1 }
        let iouHidden = try shaped("mask_decoder.iou_prediction_head.layers.0.weight", rank: 2)[0]
        guard maskTokens >= 2, crossDim > 0, promptDim % crossDim == 0 else {
            throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: "mask_decoder",
                                                             reason: "mask tokens \(maskTokens), cross-attention width \(crossDim)")
        }
        let c = SAMConfiguration(encoderEmbedDim: dim, encoderDepth: depth, encoderHeads: dim / headDim, globalAttentionIndexes: globals,
                                 windowSize: window, imageSize: grid * patchSize, patchSize: patchSize, mlpRatio: mlpHidden / dim,
                                 inChannels: inChannels, promptEmbedDim: promptDim, maskInChannels: maskIn, decoderDepth: decoderDepth,
                                 decoderHeads: decoderHeads, decoderMLPDim: mlpDim, attentionDownsampleRate: promptDim / crossDim,
                                 multimaskOutputs: maskTokens - 1, iouHeadDepth: iouDepth, iouHeadHiddenDim: iouHidden)
        do { try c.validate() } catch let error as SAMError {
            throw SAMCheckpointError.cannotInferArchitecture(file: s.file, field: "configuration", reason: error.localizedDescription)
        }
        return c
    }
}

extension SAMModel {
    /// Loads every tensor (parameters and the Gaussian buffer) by name; throws one error listing every
    /// missing, unexpected or misshapen tensor and then changes nothing.
    public func load(_ state: SAMStateDict) throws { try state.assign(to: stateTensors) }

    /// The state dict with the official keys (parameters and buffer).
    public var officialStateDict: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: stateTensors.map { ($0.name, $0.value) })
    }

    /// Writes the official-keyed state dict as safetensors (atomically).
    public func saveSafetensors(to url: URL, naming: SAMStateDict.Naming = .official) throws {
        let entries = stateTensors.map { p in
            NamedTensor(name: naming == .official ? p.name : SAMKeyMap.huggingFaceName(p.name), storedDType: .float32, tensor: p.value)
        }
        try Safetensors.write(entries, to: url)
    }
}
