import TensorCore
import TensorKernels

/// A percentile-bootstrap confidence interval of an object-level mean (mIoU) over images: the images are
/// resampled with replacement (each resample as many images as there are), the mean is recomputed over every
/// region of the drawn images (an image drawn twice counts twice), and the interval is the (1 − level)/2 and
/// (1 + level)/2 percentiles of those means (NumPy's default linear interpolation). Resampling images, not
/// regions, keeps the regions of one image together: they share the image and are not independent.
public struct BootstrapInterval: Sendable, Equatable, Codable {
    /// The mean over all regions (the statistic on the data itself).
    public var mean: Double
    /// Lower and upper bounds of the interval.
    public var lower: Double
    public var upper: Double
    /// Coverage, e.g. 0.95.
    public var level: Double
    /// Resamples drawn, and the seed of the `SeededGenerator` that drew them.
    public var resamples: Int
    public var seed: UInt64
    /// Images resampled.
    public var images: Int

    /// The interval of the mean of `values` (one per region) whose images are `images` (one key per region,
    /// e.g. the example index): `resamples` resamples of the distinct images, drawn by `resampleIndices`.
    public init(values: [Double], images keys: [Int], resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) {
        precondition(!values.isEmpty && values.count == keys.count, "BootstrapInterval: \(values.count) values, \(keys.count) image keys")
        precondition(resamples > 0 && level > 0 && level < 1, "BootstrapInterval: resamples \(resamples), level \(level)")
        var slot: [Int: Int] = [:], sums: [Double] = [], counts: [Int] = []
        for (v, k) in zip(values, keys) {
            let s = slot[k] ?? { slot[k] = sums.count; sums.append(0); counts.append(0); return sums.count - 1 }()
            sums[s] += v; counts[s] += 1
        }
        let indices = Self.resampleIndices(images: sums.count, resamples: resamples, seed: seed)
        let bounds = Self.percentileBounds(Self.resampledMeans(sums: sums, counts: counts, indices: indices), level: level)
        mean = values.reduce(0, +) / Double(values.count)
        lower = bounds.lower; upper = bounds.upper
        self.level = level; self.resamples = resamples; self.seed = seed; images = sums.count
    }

    /// `resamples` lists of `images` image indices in `0..<images`, each drawn uniformly with replacement by
    /// `ClickSampling.uniformIndex` from `SeededGenerator(seed:)`, in order.
    public static func resampleIndices(images n: Int, resamples: Int, seed: UInt64) -> [[Int]] {
        var g = SeededGenerator(seed: seed)
        return (0..<resamples).map { _ in (0..<n).map { _ in ClickSampling.uniformIndex(n, using: &g) } }
    }

    /// The mean of each resample: Σ sums[i] / Σ counts[i] over its image indices `i` (per-image IoU sums and
    /// region counts).
    public static func resampledMeans(sums: [Double], counts: [Int], indices: [[Int]]) -> [Double] {
        indices.map { draw in
            var s = 0.0, c = 0
            for i in draw { s += sums[i]; c += counts[i] }
            return s / Double(c)
        }
    }

    /// The (1 − level)/2 and (1 + level)/2 percentiles of `statistics`.
    public static func percentileBounds(_ statistics: [Double], level: Double) -> (lower: Double, upper: Double) {
        let sorted = statistics.sorted()
        return (percentile(sorted: sorted, 50 * (1 - level)), percentile(sorted: sorted, 50 * (1 + level)))
    }

    /// `numpy.percentile(a, q)` with the default linear method on ascending `sorted`, q in percent (0–100):
    /// the virtual index (n − 1) · q / 100 and NumPy's `_lerp` between its neighbours.
    public static func percentile(sorted a: [Double], _ q: Double) -> Double {
        precondition(!a.isEmpty && (0...100).contains(q), "percentile: \(a.count) values, q \(q)")
        let index = Double(a.count - 1) * (q / 100)
        let below = Swift.min(Swift.max(Int(index.rounded(.down)), 0), a.count - 1)
        let above = Swift.min(below + 1, a.count - 1)
        let t = index - Double(below)
        let (x, y) = (a[below], a[above])
        let diff = y - x
        return t >= 0.5 ? y - diff * (1 - t) : x + diff * t
    }
}
