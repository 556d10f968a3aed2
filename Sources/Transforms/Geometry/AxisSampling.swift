/// How a nearest-neighbour resize picks the source index `i` of output index `o` along an axis of
/// `n` input and `m` output pixels.
public enum NearestRule: String, Sendable, Codable, CaseIterable {
    /// Pillow's `Image.resize(..., NEAREST)`: the pixel containing the output pixel's centre,
    /// `i = floor((o + 0.5)·n/m)`, computed as Pillow does (positions accumulated in double,
    /// `x₀ = n/m·0.5`, `x_{o+1} = x_o + n/m`, then truncated), which differs from the closed form
    /// in the last bit for some sizes (e.g. 8 → 6).
    case pillow
    /// PyTorch's legacy `F.interpolate(mode="nearest")`: `i = min(floor(o·s), n − 1)` with the
    /// float32 scale `s = n/m` (identity when `m == n`, `o >> 1` when `m == 2n`). Biased towards
    /// the top-left by half an input pixel.
    case torchLegacy

    /// Source indices, one per output index.
    func indices(input n: Int, output m: Int) -> [Int] {
        switch self {
        case .pillow:
            let step = Double(n) / Double(m)
            var position = step * 0.5
            var out = [Int](repeating: 0, count: m)
            for o in 0..<m {
                out[o] = Swift.min(Swift.max(Int(position), 0), n - 1)
                position += step
            }
            return out
        case .torchLegacy:
            if m == n { return Array(0..<n) }
            if m == 2 * n { return (0..<m).map { $0 >> 1 } }
            let scale = Float(n) / Float(m)
            return (0..<m).map { Swift.min(Int((Float($0) * scale).rounded(.down)), n - 1) }
        }
    }
}

/// Sparse 1-D resampling weights: output index `o` reads input indices
/// `indices[offsets[o]..<offsets[o+1]]` with the matching `weights` (all > 0).
struct AxisWeights: Sendable {
    let inputCount: Int
    let outputCount: Int
    let offsets: [Int]
    let indices: [Int]
    let weights: [Float]

    /// PyTorch `F.interpolate(mode="bilinear", align_corners=False)` along one axis, in float32 as
    /// PyTorch computes it: `src = max(s·(o + 0.5) − 0.5, 0)` with `s = n/m`, `i₀ = ⌊src⌋`,
    /// `i₁ = min(i₀ + 1, n − 1)`, weights `1 − λ` and `λ = src − i₀`. Zero weights are dropped.
    static func linear(input n: Int, output m: Int) -> AxisWeights {
        let scale = Float(n) / Float(m)
        var offsets = [0], indices: [Int] = [], weights: [Float] = []
        indices.reserveCapacity(2 * m); weights.reserveCapacity(2 * m)
        for o in 0..<m {
            var src = scale * (Float(o) + 0.5) - 0.5
            if src < 0 { src = 0 }
            let i0 = Swift.min(Int(src), n - 1)
            let i1 = i0 < n - 1 ? i0 + 1 : i0
            let l1 = src - Float(i0), l0 = 1 - l1
            if l0 > 0 { indices.append(i0); weights.append(l0) }
            if l1 > 0 { indices.append(i1); weights.append(l1) }
            offsets.append(indices.count)
        }
        return AxisWeights(inputCount: n, outputCount: m, offsets: offsets, indices: indices, weights: weights)
    }

    /// Box average as PyTorch `F.interpolate(mode="area")` = `adaptive_avg_pool2d` along one axis:
    /// output `o` averages inputs `⌊o·n/m⌋ ..< ⌈(o+1)·n/m⌉` (integer arithmetic).
    static func area(input n: Int, output m: Int) -> AxisWeights {
        var offsets = [0], indices: [Int] = [], weights: [Float] = []
        for o in 0..<m {
            let start = (o * n) / m
            let end = ((o + 1) * n + m - 1) / m
            let w = 1 / Float(end - start)
            for i in start..<end { indices.append(i); weights.append(w) }
            offsets.append(indices.count)
        }
        return AxisWeights(inputCount: n, outputCount: m, offsets: offsets, indices: indices, weights: weights)
    }

    /// Nearest neighbour as one weight of 1 per output (used where a nearest resize must run
    /// through the linear path, e.g. mixed-kind images).
    static func nearest(_ rule: NearestRule, input n: Int, output m: Int) -> AxisWeights {
        let idx = rule.indices(input: n, output: m)
        return AxisWeights(inputCount: n, outputCount: m, offsets: Array(0...m), indices: idx,
                           weights: [Float](repeating: 1, count: m))
    }
}
