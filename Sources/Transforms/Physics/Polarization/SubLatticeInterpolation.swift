import TensorCore

/// Where a channel is sampled on a mosaic with period 2.
@usableFromInline
enum SubLattice: Sendable {
    /// Samples at `(row & 1, col & 1) == (row, col)`: one pixel per 2×2 superpixel.
    case rectangular(row: Int, col: Int)
    /// Samples where `(row + col) & 1 == parity`: the green lattice of a Bayer pattern.
    case quincunx(parity: Int)
}

/// Bilinear interpolation of one sub-lattice, with OpenCV's `Bayer2RGB_` geometry: the interior
/// `1...H-2 × 1...W-2` is interpolated, then columns 0 and W-1 copy columns 1 and W-2 and rows 0
/// and H-1 copy rows 1 and H-2. `src` and `dst` are `height × width` row-major planes and must not
/// overlap; `height, width ≥ 3`. With `roundHalfUp` each value becomes `floor(v + 0.5)`.
/// Rectangular lattices run in the vectorised C kernel (`PolarizationKernels.bilinear`); a missing
/// sample is the mean of its 2 (row or column) or 4 (diagonal) nearest samples.
func interpolateSubLattice(src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>,
                           height h: Int, width w: Int, lattice: SubLattice, roundHalfUp: Bool) {
    let parity: Int
    switch lattice {
    case let .rectangular(py, px):
        PolarizationKernels.bilinear(src: src, dst: dst, planeStride: h * w, height: h, width: w,
                                     phases: [(py, px)], roundHalfUp: roundHalfUp)
        return
    case let .quincunx(p): parity = p
    }
    Parallel.forEachRow(h - 2, cost: w * 4) { r in
        let y = r + 1
        let row = src + y * w, up = row - w, down = row + w
        let out = dst + y * w
        for x in 1..<(w - 1) {
            let v = (y + x) & 1 == parity ? row[x] : (up[x] + down[x] + row[x - 1] + row[x + 1]) * 0.25
            out[x] = roundHalfUp ? (v + 0.5).rounded(.down) : v
        }
        out[0] = out[1]
        out[w - 1] = out[w - 2]
    }
    dst.update(from: dst + w, count: w)
    (dst + (h - 1) * w).update(from: dst + (h - 2) * w, count: w)
}
