import Autodiff

/// Resizing of the image encoder's learned position tables for token grids other than the one
/// the model was built for.
public enum PositionTables {
    /// segment-anything's `get_rel_pos` table step: a relative-position table `[L, d]` for a query/key
    /// extent `size` (both equal in SAM's attention) must have `2·size − 1` rows; when it does not, it is
    /// resized along L with `F.interpolate(mode="linear", align_corners=False)`, exactly as the official
    /// code does. Returns `[2·size − 1, d]` (the input itself when no resize is needed).
    public static func relativePositionTable(_ table: Variable, size: Int) -> Variable {
        let length = 2 * size - 1
        guard table.shape[0] != length else { return table }
        let d = table.shape[1]
        // [L, d] → [d, L]; resample only the last axis (the first keeps its size: an identity matrix).
        let resized = interpolate(table.transposed(0, 1), size: (d, length), mode: .bilinear)
        return resized.transposed(0, 1)
    }

    /// The absolute position embedding `[1, Gh, Gw, C]` for a token grid `(h, w)`.
    ///
    /// The official encoder adds `pos_embed` as is, so it only runs at the build size. For other
    /// input sizes we resize it with bicubic interpolation (`align_corners=False`, PyTorch's cubic
    /// coefficients, A = −0.75) on the channel-first permutation — the choice of timm and
    /// transformers' ViT/SAM ports for position-embedding resizing — i.e. the result equals
    /// `F.interpolate(pos_embed.permute(0, 3, 1, 2), size=(h, w), mode="bicubic",
    /// align_corners=False).permute(0, 2, 3, 1)`.
    public static func absolutePositionEmbedding(_ posEmbed: Variable, grid: (h: Int, w: Int)) -> Variable {
        guard posEmbed.shape[1] != grid.h || posEmbed.shape[2] != grid.w else { return posEmbed }
        let chw = posEmbed.permuted([0, 3, 1, 2])
        return interpolate(chw, size: (grid.h, grid.w), mode: .bicubic).permuted([0, 2, 3, 1])
    }
}
