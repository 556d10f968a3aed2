import AIMS
import Foundation
import TensorCore
import Transforms

/// What `aims inspect` reports for one file.
struct InspectReport: Encodable {
    /// Statistics of one channel (or of a whole tensor).
    struct ChannelSummary: Encodable {
        var min: Double
        var max: Double
        var mean: Double
        /// NaN and ±inf values, left out of min/max/mean.
        var nonFinite: Int
    }

    /// One array in the file: an image, a volume, a frame or a named tensor.
    struct Item: Encodable {
        var name: String
        /// Element type as stored in the file.
        var dtype: String
        var shape: [Int]
        /// Meaning of the axes, e.g. `[C, H, W]`.
        var axes: String
        var channels: [ChannelSummary]
    }

    var file: String
    var format: String
    /// Format-specific facts (bit depth, compression, transfer syntax, Planck constants...).
    var details: [String: String]
    var items: [Item]
    /// What the channels are, for a file written by `aims convert` (TIFF ImageDescription or `.json` sidecar).
    var channelMetadata: ChannelFileMetadata? = nil
    /// Number of elements over all items.
    var elements: Int { items.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Per-channel statistics of a `[C, ...]` tensor.
    static func channels(of tensor: Tensor) -> [ChannelSummary] {
        let c = tensor.rank == 0 ? 1 : tensor.shape[0]
        var stats = ChannelStatistics(channelCount: c)
        stats.add(tensor.rank == 0 ? tensor.reshaped([1]) : tensor)
        return stats.channels.map(summary)
    }

    /// Statistics of a whole tensor as one channel.
    static func whole(_ tensor: Tensor) -> [ChannelSummary] {
        var s = RunningStatistics()
        tensor.withUnsafeBufferPointer { s.add($0) }
        return [summary(s)]
    }

    /// Statistics of values handed over in chunks by `produce` (a volume too large to copy as Float), as one channel.
    static func whole(chunks produce: ((UnsafeBufferPointer<Float>) -> Void) -> Void) -> [ChannelSummary] {
        var s = RunningStatistics()
        produce { s.add($0) }
        return [summary(s)]
    }

    private static func summary(_ s: RunningStatistics) -> ChannelSummary {
        ChannelSummary(min: s.count > 0 ? s.minimum : .nan, max: s.count > 0 ? s.maximum : .nan,
                       mean: s.count > 0 ? s.mean : .nan, nonFinite: s.nonFiniteCount)
    }

    /// Human-readable text: a header line, the details, and one line per item (or a summary).
    func text(summaryOnly: Bool) -> String {
        var lines = ["\(file): \(format), \(items.count) array(s), \(elements) element(s)"]
        for key in details.keys.sorted() { lines.append("  \(key): \(details[key]!)") }
        if let m = channelMetadata {
            lines.append("  channels (\(m.schema), modality \(m.modality), invalid = \(m.invalid)):")
            for (k, c) in m.channels.enumerated() {
                var l = "    [\(k)] \(c.name)  \(c.unit)  \(c.kind)"
                if let p = c.period { l += String(format: "  period %.6g", p) }
                if let s = c.scale, let o = c.offset { l += String(format: "  value = code x %.6g + %.6g", s, o) }
                if let wc = c.windowCenter, let ww = c.windowWidth { l += String(format: "  window C %.6g W %.6g", wc, ww) }
                if let f = c.file { l += "  (\(f))" }
                lines.append(l)
            }
        }
        if summaryOnly {
            var byType: [String: (count: Int, elements: Int)] = [:]
            for item in items {
                let n = item.shape.reduce(1, *)
                byType[item.dtype, default: (0, 0)].count += 1
                byType[item.dtype, default: (0, 0)].elements += n
            }
            for (t, v) in byType.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(t): \(v.count) array(s), \(v.elements) element(s)")
            }
            return lines.joined(separator: "\n")
        }
        for item in items {
            lines.append("  \(item.name)  \(item.dtype)  \(item.axes) \(item.shape)")
            for (k, c) in item.channels.enumerated() {
                var l = String(format: "    [%d] min %.6g  max %.6g  mean %.6g", k, c.min, c.max, c.mean)
                if c.nonFinite > 0 { l += "  non-finite \(c.nonFinite)" }
                lines.append(l)
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension InspectReport.ChannelSummary {
    // JSON has no NaN: empty statistics are written as null.
    enum CodingKeys: String, CodingKey { case min, max, mean, nonFinite }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (key, v) in [(CodingKeys.min, min), (.max, max), (.mean, mean)] {
            if v.isFinite { try c.encode(v, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try c.encode(nonFinite, forKey: .nonFinite)
    }
}
