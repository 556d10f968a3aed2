import Autodiff
import Foundation
import TensorCore

extension SAMCheckpoint {
    /// Builds the SAM a state dict describes for a square input of `imageSize` pixels instead of the
    /// checkpoint's own, and loads it: `pos_embed` is resized bicubically and the global blocks'
    /// relative-position tables linearly (`PositionTables`, the same rules the encoder applies to
    /// other input sizes at run time), so the prompt encoder and mask decoder are sized for the new
    /// token grid (`imageSize / patch`) and the low-resolution masks are `4 · imageSize / patch`.
    /// - Throws: `SAMError`/`SAMCheckpointError` when `imageSize` is not a multiple of the patch size
    ///   or the state dict does not describe a SAM.
    public static func load(_ state: SAMStateDict, imageSize: Int, decoderHeads: Int = 8) throws -> SAMModel {
        var configuration = try inferConfiguration(state, decoderHeads: decoderHeads)
        if imageSize == configuration.imageSize { return try load(state, decoderHeads: decoderHeads) }
        configuration.imageSize = imageSize
        try configuration.validate()
        let grid = configuration.tokenGridSize
        var resized = state
        func replace(_ official: String, _ transform: (Tensor) -> Tensor) {
            guard let name = state.storedNames(of: official).first(where: { state.tensors[$0] != nil }), let t = state.tensors[name] else { return }
            resized.tensors[name] = transform(t)
        }
        replace("image_encoder.pos_embed") { t in withoutGradients { PositionTables.absolutePositionEmbedding(Variable(t), grid: (grid, grid)).value } }
        for i in configuration.globalAttentionIndexes {
            for axis in ["h", "w"] {
                replace("image_encoder.blocks.\(i).attn.rel_pos_\(axis)") { t in
                    withoutGradients { PositionTables.relativePositionTable(Variable(t), size: grid).value }
                }
            }
        }
        let model = try SAMModel(configuration: configuration)
        try model.load(resized)
        return model
    }
}
