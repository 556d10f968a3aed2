/// The processes ("ranks") of a data-parallel job and the few collectives aims needs between them
/// (docs/ARCHITECTURE.md, "Distributed"). Every rank calls the same collectives in the same order; a
/// collective returns the same result on every rank.
///
/// Two implementations: `SingleProcess` (one rank; every collective is the identity) and
/// `MPICommunicator` (Open MPI, loaded at run time when an MPI launcher started the process).
public protocol Communicator: AnyObject, Sendable {
    /// This process's rank, `0..<size`; rank 0 alone writes files.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }

    /// Element-wise sum over the ranks, in place, added in rank order `((x₀ + x₁) + x₂) + …` for every
    /// element, so the result is the same bit pattern on every rank and on every rerun, whatever the
    /// network or MPI's choice of algorithm.
    func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Starts `sumInRankOrder(values)` and returns before it completes (nonblocking collectives under MPI),
    /// so that computation can go on meanwhile; `values` must stay allocated and unread until the returned
    /// sum's `poll` returns true or its `wait` returns. The result is the same bits as `sumInRankOrder`.
    /// Every rank starts the same sums in the same order and completes them (`poll` until true, or `wait`)
    /// in that order too: a sum's later stages start from its `poll`, and must keep the order.
    func startSumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingSum

    /// The same for `Double` (losses, statistics).
    func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws

    /// Every rank's bytes, in rank order (the lengths may differ between ranks).
    func allGather(_ bytes: [UInt8]) throws -> [[UInt8]]

    /// The bytes of rank `root` on every rank (the other ranks' arguments are ignored; any length).
    func broadcast(_ bytes: [UInt8], from root: Int) throws -> [UInt8]

    /// Overwrites `values` with rank `root`'s (the same count on every rank).
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws

    /// Returns when every rank has called it.
    func barrier() throws
}

/// A sum over the ranks that `Communicator.startSumInRankOrder` started.
public protocol PendingSum: AnyObject {
    /// Lets the sum progress without blocking (MPI moves a nonblocking collective's data only inside MPI
    /// calls); true once it is complete and its values may be read.
    func poll() throws -> Bool
    /// Returns once the sum is complete.
    func wait() throws
}

/// A sum that was complete when it was started.
public final class CompletedSum: PendingSum {
    public init() {}
    public func poll() throws -> Bool { true }
    public func wait() throws {}
}

extension Communicator {
    /// The default: the blocking sum, complete on return (one process, or a group without nonblocking collectives).
    public func startSumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingSum {
        try sumInRankOrder(values)
        return CompletedSum()
    }

    /// True on rank 0, the rank that writes files and prints.
    public var isRoot: Bool { rank == 0 }

    /// `sumInRankOrder` of an array.
    public func sumInRankOrder(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try sumInRankOrder($0) }
    }

    public func sumInRankOrder(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try sumInRankOrder($0) }
    }

    /// Every rank's fixed-size value (its bytes), in rank order.
    public func allGather<T: BitwiseCopyable>(value: T) throws -> [T] {
        let bytes = withUnsafeBytes(of: value) { Array($0) }
        return try allGather(bytes).enumerated().map { rank, b in
            guard b.count == MemoryLayout<T>.size else {
                throw DistributedError.inconsistent(what: "allGather of \(T.self)", detail: "rank \(rank) sent \(b.count) bytes, expected \(MemoryLayout<T>.size)")
            }
            return b.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        }
    }

    /// Every rank's array of fixed-size values, in rank order.
    public func allGather<T: BitwiseCopyable>(values: [T]) throws -> [[T]] {
        let bytes = values.withUnsafeBytes { Array($0) }
        return try allGather(bytes).map { b in
            (0..<(b.count / MemoryLayout<T>.stride)).map { i in b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self) } }
        }
    }
}
