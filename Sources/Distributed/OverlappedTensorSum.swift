import TensorCore

/// Sums tensors over the ranks while they are still being produced: the gradients of a backward pass,
/// summed bucket by bucket as backward finishes them (docs/SCALING.md §5).
///
/// The tensors are grouped, in the order given (a model's parameters reversed: the order in which backward
/// finishes them), into buckets of whole tensors of at most `bucketElements` values (a larger tensor is a
/// bucket of its own), as PyTorch's DDP does. `ready(i, value)` hands over tensor i once final; when every
/// tensor of the next bucket is ready, its values are copied into one buffer (zero-padded to a multiple of
/// the ranks) and `Communicator.startSumInRankOrder` starts on it. Buckets start strictly in order, so every
/// rank starts the same collectives in the same order whatever order its tensors become ready in. `poll`
/// lets the sums in flight progress; `finish` waits for them all.
///
/// The result is bit-identical to `TensorSum` (and to no overlap at all): every element is the rank-order
/// sum of the ranks' values of that element, whatever the bucket it travels in.
public final class OverlappedTensorSum {
    private let communicator: any Communicator
    private let shapes: [[Int]]
    /// Tensor indices of each bucket, in start order.
    public let buckets: [Range<Int>]
    private var values: [Tensor?]
    private var isReady: [Bool]
    private var nextBucket = 0
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []
    private var inFlight: [(bucket: Int, sum: any PendingSum)] = []

    /// - Parameters:
    ///   - shapes: the tensors' shapes, in the order their buckets start (the same on every rank).
    ///   - bucketElements: the most values in a bucket of several tensors.
    public init(shapes: [[Int]], bucketElements: Int, on communicator: any Communicator) {
        precondition(bucketElements > 0, "OverlappedTensorSum: bucketElements \(bucketElements)")
        self.communicator = communicator
        self.shapes = shapes
        values = Array(repeating: nil, count: shapes.count)
        isReady = Array(repeating: false, count: shapes.count)
        var buckets: [Range<Int>] = []
        var start = 0, filled = 0
        for (i, s) in shapes.enumerated() {
            let n = s.reduce(1, *)
            if i > start && filled + n > bucketElements {
                buckets.append(start..<i)
                start = i; filled = 0
            }
            filled += n
        }
        if start < shapes.count { buckets.append(start..<shapes.count) }
        self.buckets = buckets
    }

    deinit { for b in buffers { b.deallocate() } }

    /// Tensor `index` is final: `value` (nil: no value on this rank, summed as zeros). Starts every bucket
    /// whose tensors are all ready, in order.
    public func ready(_ index: Int, _ value: Tensor?) throws {
        precondition(!isReady[index], "OverlappedTensorSum: tensor \(index) handed over twice")
        if let value { precondition(value.shape == shapes[index], "OverlappedTensorSum: tensor \(index) \(value.shape), expected \(shapes[index])") }
        isReady[index] = true
        values[index] = value
        while nextBucket < buckets.count, buckets[nextBucket].allSatisfy({ isReady[$0] }) {
            try start(nextBucket)
            nextBucket += 1
        }
    }

    /// Buckets started so far.
    public var startedBuckets: Int { nextBucket }

    /// Whether tensor `index` has been handed over.
    public func isHandedOver(_ index: Int) -> Bool { isReady[index] }

    /// Lets the sums in flight progress (cheap; call it often while computing).
    ///
    /// Only the oldest sum is tested: MPI progresses every pending request in any test, and a sum's second
    /// collective (its all-gather) must start in bucket order on every rank, so bucket k + 1's may start only
    /// once bucket k's has.
    public func poll() throws {
        while let first = inFlight.first, try first.sum.poll() {
            inFlight.removeFirst()
        }
    }

    /// Waits for every bucket (all tensors must have been handed over) and returns the sums, in the order of `shapes`.
    public func finish() throws -> [Tensor] {
        precondition(nextBucket == buckets.count, "OverlappedTensorSum: finish before every tensor was handed over")
        for s in inFlight { try s.sum.wait() }
        inFlight = []
        var out: [Tensor] = []
        out.reserveCapacity(shapes.count)
        for (b, range) in buckets.enumerated() {
            var offset = 0
            for i in range {
                let n = shapes[i].reduce(1, *)
                let buffer = buffers[b]
                out.append(Tensor(shape: shapes[i], unsafeUninitialized: { dst in
                    _ = dst.update(fromContentsOf: UnsafeBufferPointer(rebasing: buffer[offset..<(offset + n)]))
                }))
                offset += n
            }
        }
        return out
    }

    private func start(_ b: Int) throws {
        let range = buckets[b]
        let n = range.reduce(0) { $0 + shapes[$1].reduce(1, *) }
        let size = communicator.size
        let padded = (n + size - 1) / size * size
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(padded, 1))
        buffer.initialize(repeating: 0)
        buffers.append(buffer)
        var offset = 0
        for i in range {
            let count = shapes[i].reduce(1, *)
            if let v = values[i] {
                v.withUnsafeBufferPointer { src in _ = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + count)]).update(fromContentsOf: src) }
            }
            values[i] = nil
            offset += count
        }
        inFlight.append((b, try communicator.startSumInRankOrder(UnsafeMutableBufferPointer(rebasing: buffer[0..<padded]))))
    }
}
