import TensorCore

/// Streaming statistics of one channel: count, minimum, maximum, mean and variance, accumulated
/// with Welford's algorithm in `Double` and merged across images with Chan et al.'s parallel
/// formula, so the result does not depend on how the data is split into batches (beyond rounding).
/// Non-finite values (NaN, ±inf) are counted apart and left out of every other statistic.
public struct RunningStatistics: Sendable, Equatable, Codable {
    public private(set) var count: Int = 0
    public private(set) var nonFiniteCount: Int = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    private var m2: Double = 0

    public init() {}

    /// Population variance (divides by `count`); 0 when empty.
    public var variance: Double { count > 0 ? m2 / Double(count) : 0 }
    /// Unbiased sample variance (divides by `count - 1`); 0 with fewer than two values.
    public var sampleVariance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    /// Population standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }

    /// Adds one value.
    public mutating func add(_ x: Double) {
        guard x.isFinite else { nonFiniteCount += 1; return }
        count += 1
        let d = x - mean
        mean += d / Double(count)
        m2 += d * (x - mean)
        if x < minimum { minimum = x }
        if x > maximum { maximum = x }
    }

    /// Adds every value of a buffer (one block statistic, then one merge: fast and exact enough).
    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var block = RunningStatistics()
        for v in values { block.add(Double(v)) }
        merge(block)
    }

    /// Combines the statistics of another, disjoint set of values into these.
    public mutating func merge(_ other: RunningStatistics) {
        nonFiniteCount += other.nonFiniteCount
        guard other.count > 0 else { return }
        guard count > 0 else {
            let nf = nonFiniteCount
            self = other
            nonFiniteCount = nf
            return
        }
        let n = Double(count), m = Double(other.count)
        let d = other.mean - mean
        mean += d * m / (n + m)
        m2 += other.m2 + d * d * n * m / (n + m)
        count += other.count
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }
}

/// Per-channel `RunningStatistics` of `[C, H, W]` images (or any tensor whose first axis is the
/// channel axis), optionally restricted to valid pixels.
public struct ChannelStatistics: Sendable, Equatable, Codable {
    public private(set) var channels: [RunningStatistics]

    public init(channelCount: Int) {
        channels = Array(repeating: RunningStatistics(), count: channelCount)
    }

    /// Accumulates a tensor whose first axis is the channel axis (`[C, ...]`).
    /// - Parameter validMask: `[H, W]` (or the trailing shape), 0 marks a pixel to skip.
    public mutating func add(_ values: Tensor, validMask: Tensor? = nil) {
        precondition(values.rank >= 1 && values.shape[0] == channels.count,
                     "ChannelStatistics: expected \(channels.count) channels, got shape \(values.shape)")
        let plane = values.count / max(channels.count, 1)
        if let m = validMask { precondition(m.count == plane, "ChannelStatistics: mask \(m.shape) for planes of \(plane)") }
        values.withUnsafeBufferPointer { v in
            for c in 0..<channels.count {
                let p = UnsafeBufferPointer(rebasing: v[(c * plane)..<((c + 1) * plane)])
                if let mask = validMask {
                    var block = RunningStatistics()
                    mask.withUnsafeBufferPointer { mk in
                        for i in 0..<plane where mk[i] != 0 { block.add(Double(p[i])) }
                    }
                    channels[c].merge(block)
                } else {
                    channels[c].add(p)
                }
            }
        }
    }

    public mutating func merge(_ other: ChannelStatistics) {
        precondition(other.channels.count == channels.count, "ChannelStatistics: merging different channel counts")
        for c in channels.indices { channels[c].merge(other.channels[c]) }
    }

    public var means: [Double] { channels.map(\.mean) }
    public var standardDeviations: [Double] { channels.map(\.standardDeviation) }
}
