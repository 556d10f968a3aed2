import TensorCore

/// The `.edgeDirected` polarization demosaicing kernel (see `PolarizationDemosaicMethod.edgeDirected`).
///
/// For a pixel p measuring angle φ, with M the mosaic and reflect-101 indexing at the borders:
/// - pass 1, the diagonal partner θ (the angle at p + (1, 1)): the estimate along diagonal d ∈ {(1,1), (1,−1)} is
///   `(M(p−d) + M(p+d)) / 2 + kLap·(2M(p) − M(p−2d) − M(p+2d))` with kLap = 1/8, its gradient
///   `|M(p−d) − M(p+d)| + |2M(p) − M(p−2d) − M(p+2d)|`; the two are blended with weights 1 / (gradient + ε).
/// - pass 2, the row partner (angle at p + (0, 1)): a horizontal estimate from M at p ± (0, 1) and a
///   vertical one from the pass-1 values at p ± (1, 0) (where that angle is the diagonal partner),
///   each with the same Laplacian correction and blended the same way; the column partner likewise.
/// Every directional estimate is clamped to the range of its two samples (`limited`).
/// On the rendered scenes of the tests it lowers the RMSE of the angle images by about 20 % against
/// bilinear, and the DoLP RMSE by about 20 %.
enum EdgeDirectedPolarizationDemosaic {
    /// Weight of the Laplacian correction. Hamilton–Adams uses 1/4, which assumes equal contrast in all
    /// channels; the four angle images differ in contrast by up to (1 + DoLP) / (1 − DoLP), and 1/4 overshoots
    /// (it made DoLP worse than bilinear on the rendered scene of the tests), so half of it is used.
    static let kLap: Float = 0.125
    static func run(src: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
                    layout: PolarizerMosaicLayout) {
        let plane = h * w
        var maxAbs: Float = 0
        for i in 0..<plane { maxAbs = max(maxAbs, abs(src[i])) }
        let eps = max(maxAbs * 1e-6, Float.leastNormalMagnitude)
        let ch = (0..<4).map { layout.channel(row: $0 / 2, col: $0 % 2) }  // channel at phase (r, c) = ch[2r + c]

        // Measured samples and pass 1 (diagonal partner).
        Parallel.forEachRow(h, cost: w * 16) { y in
            let m = src
            @inline(__always) func M(_ yy: Int, _ xx: Int) -> Float { m[Self.reflect(yy, h) * w + Self.reflect(xx, w)] }
            for x in 0..<w {
                let own = ch[2 * (y & 1) + (x & 1)]
                let diag = ch[2 * ((y + 1) & 1) + ((x + 1) & 1)]
                let c = M(y, x)
                out[own * plane + y * w + x] = c
                let l1 = 2 * c - M(y - 2, x - 2) - M(y + 2, x + 2)
                let l2 = 2 * c - M(y - 2, x + 2) - M(y + 2, x - 2)
                let a1 = M(y - 1, x - 1), b1 = M(y + 1, x + 1), a2 = M(y - 1, x + 1), b2 = M(y + 1, x - 1)
                let e1 = Self.limited((a1 + b1) * 0.5 + l1 * kLap, a1, b1), g1 = abs(a1 - b1) + abs(l1)
                let e2 = Self.limited((a2 + b2) * 0.5 + l2 * kLap, a2, b2), g2 = abs(a2 - b2) + abs(l2)
                out[diag * plane + y * w + x] = Self.blend(eps, e1, g1, e2, g2)
            }
        }
        // Pass 2 (row and column partners), reading pass-1 values of other rows: a separate sweep.
        Parallel.forEachRow(h, cost: w * 24) { y in
            let m = src
            @inline(__always) func M(_ yy: Int, _ xx: Int) -> Float { m[Self.reflect(yy, h) * w + Self.reflect(xx, w)] }
            for x in 0..<w {
                let rowPartner = ch[2 * (y & 1) + ((x + 1) & 1)]
                let colPartner = ch[2 * ((y + 1) & 1) + (x & 1)]
                let c = M(y, x)
                let lh = 2 * c - M(y, x - 2) - M(y, x + 2)
                let lv = 2 * c - M(y - 2, x) - M(y + 2, x)
                // Row partner: measured left/right, pass-1 values above/below.
                do {
                    let p = out + rowPartner * plane
                    let a = M(y, x - 1), b = M(y, x + 1)
                    let u = p[Self.reflect(y - 1, h) * w + x], d = p[Self.reflect(y + 1, h) * w + x]
                    p[y * w + x] = Self.blend(eps, Self.limited((a + b) * 0.5 + lh * kLap, a, b), abs(a - b) + abs(lh),
                                              Self.limited((u + d) * 0.5 + lv * kLap, u, d), abs(u - d) + abs(lv))
                }
                // Column partner: measured above/below, pass-1 values left/right.
                do {
                    let p = out + colPartner * plane
                    let a = M(y - 1, x), b = M(y + 1, x)
                    let l = p[y * w + Self.reflect(x - 1, w)], r = p[y * w + Self.reflect(x + 1, w)]
                    p[y * w + x] = Self.blend(eps, Self.limited((a + b) * 0.5 + lv * kLap, a, b), abs(a - b) + abs(lv),
                                              Self.limited((l + r) * 0.5 + lh * kLap, l, r), abs(l - r) + abs(lh))
                }
            }
        }
    }

    @inline(__always) static func reflect(_ i: Int, _ n: Int) -> Int {
        var i = i
        if i < 0 { i = -i }
        if i >= n { i = 2 * (n - 1) - i }
        return min(max(i, 0), n - 1)
    }

    /// Clamps a corrected estimate to the interval spanned by the two samples it interpolates, so the
    /// Laplacian term can sharpen but never overshoot (or produce negative intensities next to dark pixels).
    @inline(__always) static func limited(_ e: Float, _ a: Float, _ b: Float) -> Float {
        min(max(e, min(a, b)), max(a, b))
    }

    @inline(__always) static func blend(_ eps: Float, _ e1: Float, _ g1: Float, _ e2: Float, _ g2: Float) -> Float {
        let w1 = 1 / (g1 + eps), w2 = 1 / (g2 + eps)
        return (w1 * e1 + w2 * e2) / (w1 + w2)
    }
}
