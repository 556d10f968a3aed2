/// How much a 2-D mask stands out from its surroundings.
enum MaskContrast {
    /// Mean of `image` inside `mask` minus its mean over the ring of pixels outside the mask within `ring` pixels
    /// (Chebyshev distance) of it; nil when the mask or the ring is empty. `image` and `mask` are `h × w`, row-major.
    static func contrast(image: ArraySlice<Float>, mask: [Bool], width w: Int, height h: Int, ring: Int) -> Double? {
        // Dilation by a (2·ring + 1)² square, separably: rows, then columns.
        var rows = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w where mask[y * w + x] {
                for xx in max(0, x - ring)...min(w - 1, x + ring) { rows[y * w + xx] = true }
            }
        }
        var grown = rows
        for y in 0..<h {
            for x in 0..<w where rows[y * w + x] {
                for yy in max(0, y - ring)...min(h - 1, y + ring) { grown[yy * w + x] = true }
            }
        }
        var inside = 0.0, insideCount = 0, around = 0.0, aroundCount = 0
        let base = image.startIndex
        for p in 0..<(w * h) {
            let v = Double(image[base + p])
            if mask[p] { inside += v; insideCount += 1 } else if grown[p] { around += v; aroundCount += 1 }
        }
        guard insideCount > 0, aroundCount > 0 else { return nil }
        return inside / Double(insideCount) - around / Double(aroundCount)
    }
}
