/// segment-anything state-dict keys ↔ Hugging Face `SamModel` keys (transformers'
/// `convert_sam_to_hf.py`, docs/REFERENCE.md §1.8).
public enum SAMKeyMap {
    /// Substring rules applied in order to an official key, each at most once.
    static let rules: [(String, String)] = [
        ("iou_prediction_head.layers.0", "iou_prediction_head.proj_in"),
        ("iou_prediction_head.layers.1", "iou_prediction_head.layers.0"),
        ("iou_prediction_head.layers.2", "iou_prediction_head.proj_out"),
        ("mask_decoder.output_upscaling.0", "mask_decoder.upscale_conv1"),
        ("mask_decoder.output_upscaling.1", "mask_decoder.upscale_layer_norm"),
        ("mask_decoder.output_upscaling.3", "mask_decoder.upscale_conv2"),
        ("mask_downscaling.0", "mask_embed.conv1"),
        ("mask_downscaling.1", "mask_embed.layer_norm1"),
        ("mask_downscaling.3", "mask_embed.conv2"),
        ("mask_downscaling.4", "mask_embed.layer_norm2"),
        ("mask_downscaling.6", "mask_embed.conv3"),
        ("point_embeddings", "point_embed"),
        ("pe_layer.positional_encoding_gaussian_matrix", "shared_embedding.positional_embedding"),
        ("image_encoder", "vision_encoder"),
        ("neck.0", "neck.conv1"),
        ("neck.1", "neck.layer_norm1"),
        ("neck.2", "neck.conv2"),
        ("neck.3", "neck.layer_norm2"),
        ("patch_embed.proj", "patch_embed.projection"),
        (".norm", ".layer_norm"),
        ("blocks", "layers"),
    ]

    /// The official Gaussian-matrix key and the name HF ties it to (a saved file may carry only that one).
    public static let gaussianMatrixKey = "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"
    public static let hfTiedGaussianMatrixKey = "shared_image_embedding.positional_embedding"
    /// HF buffers that a loader ignores.
    public static let hfIgnoredKeys: Set<String> = ["pixel_mean", "pixel_std"]

    /// The HF name of an official key, e.g. `image_encoder.blocks.3.norm1.weight` →
    /// `vision_encoder.layers.3.layer_norm1.weight`.
    public static func huggingFaceName(_ official: String) -> String {
        var key = official
        for (old, new) in rules where key.contains(old) { key = key.replacingOccurrences(of: old, with: new) }
        // output_hypernetworks_mlps.{m}.layers.{0,1,2} → .proj_in / .layers.0 / .proj_out
        if let r = key.range(of: "output_hypernetworks_mlps.") {
            let rest = key[r.upperBound...]
            let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count >= 3, parts[1] == "layers", let n = Int(parts[2]), (0...2).contains(n) {
                let replacement = ["proj_in", "layers.0", "proj_out"][n]
                key = String(key[..<r.upperBound]) + parts[0] + "." + replacement + "." + parts[3...].joined(separator: ".")
            }
        }
        return key
    }
}
