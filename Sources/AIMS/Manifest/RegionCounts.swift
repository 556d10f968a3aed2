import Foundation
import SimCMF
import TensorCore

/// Region pixel counts as the reference measures them: the label map resized to `side x side` with Pillow's
/// NEAREST rule (source index `floor((dst + 0.5) * in / out)`), values counted per label value.
public enum RegionCounts {
    /// Pillow's nearest source index for each of `outSize` destination pixels of an `inSize` axis.
    static func pillowNearest(inSize: Int, outSize: Int) -> [Int] {
        (0..<outSize).map { d in Swift.min(inSize - 1, Int((Double(d) + 0.5) * Double(inSize) / Double(outSize))) }
    }

    /// Pixel count of every value of `label` (`[H, W]`, integer ids) after a nearest resize to `side x side`.
    /// Exact without resizing: a source pixel appears (rows mapped to it) x (columns mapped to it) times.
    public static func pixels(_ label: Tensor, side: Int = 1024) -> [Int: Int] {
        precondition(label.rank == 2, "RegionCounts: label must be [H, W], got \(label.shape)")
        let h = label.shape[0], w = label.shape[1]
        var rowUse = [Int](repeating: 0, count: h), colUse = [Int](repeating: 0, count: w)
        for s in pillowNearest(inSize: h, outSize: side) { rowUse[s] += 1 }
        for s in pillowNearest(inSize: w, outSize: side) { colUse[s] += 1 }
        var counts: [Int: Int] = [:]
        label.withUnsafeBufferPointer { v in
            for y in 0..<h where rowUse[y] > 0 {
                for x in 0..<w where colUse[x] > 0 {
                    counts[Int(v[y * w + x]), default: 0] += rowUse[y] * colUse[x]
                }
            }
        }
        return counts
    }

    /// Regions (values > 0) a rule keeps: training `count >= T`, test `count > T`; every region when `T` is nil.
    /// (The reference's training filter also drops the first surviving value assuming it is 0; counting values > 0
    /// is the same whenever the background has at least T pixels.)
    public static func passing(_ counts: [Int: Int], threshold: Int?, strict: Bool) -> Int {
        counts.filter { value, n in
            guard value > 0 else { return false }
            guard let t = threshold else { return true }
            return strict ? n > t : n >= t
        }.count
    }
}

/// Data-fraction subsets of a training split: ids sorted, shuffled once with `SeededGenerator(seed)`, and the first
/// `ceil(p · n / 100)` taken for each percent `p` — so a smaller subset is always inside a larger one.
public enum DataFractions {
    public static func subsets(of ids: [String], percents: [Int], seed: UInt64) -> [Int: [String]] {
        let sorted = ids.sorted()
        var g = SeededGenerator(seed: seed ^ 0x6672_6163_7469_6f6e)  // "fraction": independent of the validation split's stream
        let order = ClickSampling.shuffledIndices(sorted.count, using: &g)
        var out: [Int: [String]] = [:]
        for p in percents {
            let k = sorted.isEmpty ? 0 : Swift.min(sorted.count, Swift.max(1, Int((Double(p) * Double(sorted.count) / 100).rounded(.up))))
            out[p] = order.prefix(k).map { sorted[$0] }.sorted()
        }
        return out
    }
}
