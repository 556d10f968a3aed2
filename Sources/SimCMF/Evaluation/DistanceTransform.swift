/// The exact Euclidean distance transform of a binary mask (Felzenszwalb & Huttenlocher, "Distance Transforms
/// of Sampled Functions", 2012): for every pixel, the distance in pixels to the nearest background pixel — what
/// `scipy.ndimage.distance_transform_edt` returns (unit sampling). One pass down the columns, then one along
/// the rows, each the lower envelope of parabolas rooted at the finite samples: O(H · W), and the squared
/// distances are exact integers.
public enum DistanceTransform {
    /// Squared distances `[H · W]` (row-major, pixels²) from each pixel of `mask` (`[H · W]` row-major,
    /// true = foreground) to the nearest background (false) pixel: 0 on background pixels, `+∞` everywhere
    /// when there is none. Pixels outside the grid are not background (pad the mask to make them so).
    public static func squaredEuclidean(_ mask: [Bool], height: Int, width: Int) -> [Double] {
        precondition(height > 0 && width > 0 && mask.count == height * width, "DistanceTransform: \(mask.count) values for \(height)x\(width)")
        var d = mask.map { $0 ? Double.infinity : 0 }
        var column = [Double](repeating: 0, count: height)
        for x in 0..<width {
            for y in 0..<height { column[y] = d[y * width + x] }
            let out = lowerEnvelope(column)
            for y in 0..<height { d[y * width + x] = out[y] }
        }
        for y in 0..<height {
            let row = Array(d[(y * width)..<((y + 1) * width)])
            d.replaceSubrange((y * width)..<((y + 1) * width), with: lowerEnvelope(row))
        }
        return d
    }

    /// Distances `[H · W]` in pixels: `squaredEuclidean` square-rooted (`scipy.ndimage.distance_transform_edt`).
    public static func euclidean(_ mask: [Bool], height: Int, width: Int) -> [Double] {
        squaredEuclidean(mask, height: height, width: width).map { $0.squareRoot() }
    }

    /// The 1-D transform `d(p) = min_q (p − q)² + f(q)` over the samples `q` with finite `f(q)`; all `+∞`
    /// when none is finite.
    static func lowerEnvelope(_ f: [Double]) -> [Double] {
        let n = f.count
        var v = [Int](), z = [Double]()   // parabola roots, and where each starts to be the lowest
        v.reserveCapacity(n); z.reserveCapacity(n + 1)
        for q in 0..<n where f[q].isFinite {
            let fq = f[q] + Double(q * q)
            var s = -Double.infinity
            while let r = v.last {
                s = (fq - (f[r] + Double(r * r))) / Double(2 * (q - r))
                if s > z[z.count - 1] { break }
                v.removeLast(); z.removeLast()
                s = -Double.infinity
            }
            v.append(q); z.append(s)
        }
        guard !v.isEmpty else { return [Double](repeating: .infinity, count: n) }
        var out = [Double](repeating: 0, count: n)
        var k = 0
        for p in 0..<n {
            while k + 1 < v.count && z[k + 1] < Double(p) { k += 1 }
            let dp = p - v[k]
            out[p] = Double(dp * dp) + f[v[k]]
        }
        return out
    }
}
