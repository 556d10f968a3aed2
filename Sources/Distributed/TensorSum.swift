import TensorCore

/// Sums a list of tensors over the ranks in buckets (docs/ARCHITECTURE.md, "Distributed").
///
/// The tensors are read as one concatenated vector, cut into buckets of at most `bucketElements` values;
/// each bucket is copied into one buffer, summed with `Communicator.sumInRankOrder` and copied back. The
/// bucket bounds the extra memory (two or three bucket-sized buffers) and the size of each collective;
/// the result does not depend on it (the sum of every element is in rank order).
public struct TensorSum {
    /// Values per bucket (default 8 Mi values, 32 MiB of Float32).
    public var bucketElements: Int
    public init(bucketElements: Int = 8 << 20) {
        precondition(bucketElements > 0, "TensorSum: bucketElements \(bucketElements)")
        self.bucketElements = bucketElements
    }

    /// Replaces every tensor by its sum over the ranks (every rank passes tensors of the same shapes, in the same order).
    public func sum(_ tensors: inout [Tensor], on communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        let total = tensors.reduce(0) { $0 + $1.count }
        var bucket = [Float](repeating: 0, count: Swift.min(bucketElements, total))
        var start = 0
        while start < total {
            let end = Swift.min(start + bucketElements, total)
            try bucket.withUnsafeMutableBufferPointer { b in
                let window = UnsafeMutableBufferPointer(rebasing: b[0..<(end - start)])
                Self.copy(tensors, range: start..<end) { offset, piece in
                    _ = UnsafeMutableBufferPointer(rebasing: window[offset..<(offset + piece.count)]).update(fromContentsOf: piece)
                }
                try communicator.sumInRankOrder(window)
                var position = 0
                for t in tensors.indices {
                    let (lo, hi) = (position, position + tensors[t].count)
                    position = hi
                    let from = Swift.max(lo, start), to = Swift.min(hi, end)
                    guard from < to else { continue }
                    tensors[t].withUnsafeMutableBufferPointer { dst in
                        _ = UnsafeMutableBufferPointer(rebasing: dst[(from - lo)..<(to - lo)])
                            .update(fromContentsOf: window[(from - start)..<(to - start)])
                    }
                }
            }
            start = end
        }
    }

    /// Calls `body(offset in the window, values)` for the parts of `tensors` (concatenated) inside `range`.
    static func copy(_ tensors: [Tensor], range: Range<Int>, _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        var position = 0
        for t in tensors {
            let (lo, hi) = (position, position + t.count)
            position = hi
            let from = Swift.max(lo, range.lowerBound), to = Swift.min(hi, range.upperBound)
            guard from < to else { continue }
            t.withUnsafeBufferPointer { src in body(from - range.lowerBound, UnsafeBufferPointer(rebasing: src[(from - lo)..<(to - lo)])) }
        }
    }
}
