/// How the missing polarizer angles of a DoFP mosaic are interpolated.
public enum PolarizationDemosaicMethod: Sendable, Equatable, Hashable {
    /// Bilinear interpolation of each angle's sub-lattice: a missing sample is the mean of the 2
    /// (same row or same column) or 4 (diagonal) nearest samples of that angle. Geometry equals
    /// polanalyser 3.0.0's default (`COLOR_PolarMono`), which runs OpenCV's `COLOR_Bayer*2BGR`
    /// on the mosaic: the outermost rows and columns are copies of their inner neighbours
    /// (row 0 = row 1, last row = row H-2, likewise for columns), even where row 0 holds a measurement.
    /// Values are exact means (not rounded).
    case bilinear
    /// `bilinear` followed by OpenCV's integer rounding, `floor(x + 0.5)`, which cv2 applies because
    /// its output keeps the uint8/uint16 input type. With integer-valued input this reproduces
    /// polanalyser 3.0.0's `demosaicing` bit for bit (checked against fixtures from real captures).
    case bilinearOpenCV
    /// Edge-directed interpolation with a Laplacian correction (Hamilton–Adams style, adapted to the
    /// 2×2 polarizer superpixel): pass 1 fills the diagonal partner of each pixel's angle, weighting
    /// the two diagonal estimates by inverse gradient; pass 2 fills the row and column partners
    /// from a horizontal and a vertical estimate, weighted the same way (one of which uses pass-1
    /// values). Each estimate adds `(2·M(p) − M(p−2d) − M(p+2d)) / 8` from the pixel's own angle (half the Hamilton–Adams weight),
    /// exploiting the correlation of the four angle images (they share S0), and is then clamped to the
    /// range of the two samples it interpolates (no overshoot, no negative intensities). Borders are handled
    /// by mirror reflection (which preserves the mosaic phase). Mono mosaics only.
    case edgeDirected
}
