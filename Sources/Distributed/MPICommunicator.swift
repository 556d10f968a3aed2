import CMPIShim

/// The world of an Open MPI job (`MPI_COMM_WORLD`), through `CMPIShim`, which loads libmpi at run time.
///
/// `sumInRankOrder` is not `MPI_Allreduce`: the MPI standard lets an implementation add in any order, and
/// Open MPI picks its algorithm (ring, recursive doubling, …) by message size and rank count, so the
/// bits of a sum could change with the bucket size or the machine. Here it is a reduce-scatter by
/// `MPI_Alltoall` (rank r receives every rank's r-th block and adds them in rank order) followed by an
/// `MPI_Allgather` of the summed blocks: the same bytes on the wire as a ring allreduce
/// (2·(N−1)/N of the buffer per rank), a fixed order of additions, bit-identical reruns.
/// `nativeAllreduceSum` is `MPI_Allreduce` itself, for `aims bench distributed` to compare against.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int

    /// Loads Open MPI and initialises it (once per process).
    public init() throws {
        try MPICommunicator.check { aims_mpi_init($0, $1) }
        rank = Int(aims_mpi_rank()); size = Int(aims_mpi_size())
    }

    /// Runs a shim call that reports failure with a message; throws it as `DistributedError.mpi`.
    static func check(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: 1024)
        let status = message.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DistributedError.mpi(message: text)
        }
    }

    static func count(_ n: Int, _ what: String) throws -> Int32 {
        guard n <= Int(Int32.max) else { throw DistributedError.tooLarge(what: what, count: n) }
        return Int32(n)
    }

    /// The MPI library's version line.
    public var libraryVersion: String {
        var text = [CChar](repeating: 0, count: 512)
        guard aims_mpi_library_version(&text, text.count) == 0 else { return "unknown" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: "\n").first.map(String.init) ?? ""
    }

    public func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try orderedSum(values, type: AIMS_MPI_FLOAT)
    }

    public func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try orderedSum(values, type: AIMS_MPI_DOUBLE)
    }

    /// Reduce-scatter by all-to-all, summed in rank order, then all-gather (see the type's comment). The
    /// values are sent from and gathered into `values` itself when their count divides into the ranks
    /// (else through a zero-padded copy); the extra memory is one buffer of the values plus one block.
    private func orderedSum<T: BinaryFloatingPoint>(_ values: UnsafeMutableBufferPointer<T>, type: aims_mpi_type) throws {
        let n = values.count
        guard size > 1, n > 0 else { return }
        let block = (n + size - 1) / size
        let blockCount = try Self.count(block, "sumInRankOrder block")
        _ = try Self.count(block * size, "sumInRankOrder buffer")
        var padded: [T] = []
        if block * size != n {
            padded = [T](repeating: 0, count: block * size)
            padded.withUnsafeMutableBufferPointer { p in _ = p.update(fromContentsOf: values) }
        }
        let received = UnsafeMutableBufferPointer<T>.allocate(capacity: block * size)
        let mine = UnsafeMutableBufferPointer<T>.allocate(capacity: block)
        defer { received.deallocate(); mine.deallocate() }
        func exchange(_ whole: UnsafeMutableBufferPointer<T>) throws {
            try Self.check { aims_mpi_alltoall(whole.baseAddress, received.baseAddress, blockCount, type, $0, $1) }
            // received[q·block + i] is rank q's element rank·block + i: add them in rank order.
            _ = mine.initialize(from: received[0..<block])
            for q in 1..<size {
                let from = received.baseAddress! + q * block
                for i in 0..<block { mine[i] += from[i] }
            }
            try Self.check { aims_mpi_allgather(mine.baseAddress, whole.baseAddress, blockCount, type, $0, $1) }
        }
        if padded.isEmpty {
            try exchange(values)
        } else {
            try padded.withUnsafeMutableBufferPointer { try exchange($0) }
            padded.withUnsafeBufferPointer { p in _ = values.update(fromContentsOf: p[0..<n]) }
        }
    }

    /// The rank-order sum with nonblocking collectives: `MPI_Ialltoall` now; each `poll` tests it, adds the
    /// received blocks in rank order once it is complete and starts the `MPI_Iallgather` of the result into
    /// `values`. The same additions as `sumInRankOrder`, so the same bits. A count that does not divide into
    /// the ranks is summed at once (blocking), as `sumInRankOrder` would through a padded copy.
    public func startSumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws -> any PendingSum {
        guard size > 1, !values.isEmpty, values.count % size == 0 else {
            try sumInRankOrder(values)
            return CompletedSum()
        }
        return try NonblockingSum(values, ranks: size, rank: rank)
    }

    /// `MPI_Allreduce(MPI_SUM)` in place: Open MPI's own algorithm and order of additions.
    public func nativeAllreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard size > 1, !values.isEmpty else { return }
        let n = try Self.count(values.count, "MPI_Allreduce")
        try Self.check { aims_mpi_allreduce_sum(values.baseAddress, n, AIMS_MPI_FLOAT, $0, $1) }
    }

    public func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        let lengths = try allGatherLengths(bytes.count)
        let total = lengths.reduce(0, +)
        _ = try Self.count(total, "allGather bytes")
        let counts = lengths.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<size { displacements[r] = displacements[r - 1] + counts[r - 1] }
        var out = [UInt8](repeating: 0, count: max(total, 1))
        let mine = try Self.count(bytes.count, "allGather bytes")
        try bytes.withUnsafeBufferPointer { b in
            try out.withUnsafeMutableBufferPointer { o in
                try Self.check { aims_mpi_allgatherv_bytes(b.baseAddress, mine, o.baseAddress, counts, displacements, $0, $1) }
            }
        }
        return (0..<size).map { r in Array(out[Int(displacements[r])..<Int(displacements[r] + counts[r])]) }
    }

    private func allGatherLengths(_ length: Int) throws -> [Int] {
        var mine = Int64(length)
        var all = [Int64](repeating: 0, count: size)
        try all.withUnsafeMutableBufferPointer { a in
            try Self.check { aims_mpi_allgather(&mine, a.baseAddress, 1, AIMS_MPI_INT64, $0, $1) }
        }
        return all.map { Int($0) }
    }

    public func broadcast(_ bytes: [UInt8], from root: Int) throws -> [UInt8] {
        guard size > 1 else { return bytes }
        var length = Int64(rank == root ? bytes.count : 0)
        try Self.check { aims_mpi_bcast(&length, 1, AIMS_MPI_INT64, Int32(root), $0, $1) }
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
        if length > 0 {
            try out.withUnsafeMutableBufferPointer { o in
                try Self.check { aims_mpi_bcast(o.baseAddress, length, AIMS_MPI_BYTE, Int32(root), $0, $1) }
            }
        }
        return out
    }

    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {
        guard size > 1, !values.isEmpty else { return }
        try Self.check { aims_mpi_bcast(values.baseAddress, Int64(values.count), AIMS_MPI_FLOAT, Int32(root), $0, $1) }
    }

    public func barrier() throws {
        guard size > 1 else { return }
        try Self.check { aims_mpi_barrier($0, $1) }
    }

    /// Ends every rank of the job with `code` (`MPI_Abort`); mpirun reports which rank called it.
    public func abort(code: Int32) -> Never {
        aims_mpi_abort(code)
        fatalError("MPI_Abort returned")
    }

    /// `MPI_Finalize`, after which no collective may be called.
    public func finalize() throws {
        try Self.check { aims_mpi_finalize($0, $1) }
    }

    /// Seconds on MPI's clock (`MPI_Wtime`).
    public static var wallTime: Double { aims_mpi_wtime() }
}

/// One `MPICommunicator.startSumInRankOrder` in flight: the all-to-all, then the rank-order addition of this
/// rank's block, then the all-gather. MPI may be called from one thread at a time (MPI_THREAD_SERIALIZED):
/// the caller polls from the thread that computes.
final class NonblockingSum: PendingSum {
    private let values: UnsafeMutableBufferPointer<Float>
    private let received: UnsafeMutableBufferPointer<Float>
    private let mine: UnsafeMutableBufferPointer<Float>
    private let ranks: Int, block: Int32
    private var request: UnsafeMutableRawPointer?
    /// 0: all-to-all in flight, 1: all-gather in flight, 2: complete.
    private var stage = 0

    init(_ values: UnsafeMutableBufferPointer<Float>, ranks: Int, rank: Int) throws {
        self.values = values; self.ranks = ranks
        let n = values.count / ranks
        block = try MPICommunicator.count(n, "startSumInRankOrder block")
        received = .allocate(capacity: values.count)
        mine = .allocate(capacity: n)
        try MPICommunicator.check { aims_mpi_ialltoall(values.baseAddress, received.baseAddress, block, AIMS_MPI_FLOAT, &request, $0, $1) }
    }

    deinit {
        if stage < 2, request != nil { _ = try? wait() }
        received.deallocate(); mine.deallocate()
    }

    func poll() throws -> Bool {
        while stage < 2 {
            var done: Int32 = 0
            try MPICommunicator.check { aims_mpi_test(&request, &done, $0, $1) }
            guard done != 0 else { return false }
            try advance()
        }
        return true
    }

    func wait() throws {
        while stage < 2 {
            try MPICommunicator.check { aims_mpi_wait(&request, $0, $1) }
            try advance()
        }
    }

    /// The stage after the current one completed.
    private func advance() throws {
        if stage == 0 {
            // received[q·block + i] is rank q's element rank·block + i: added in rank order, as `orderedSum`.
            let n = Int(block)
            _ = mine.initialize(from: received[0..<n])
            for q in 1..<ranks {
                let from = received.baseAddress! + q * n
                for i in 0..<n { mine[i] += from[i] }
            }
            try MPICommunicator.check { aims_mpi_iallgather(mine.baseAddress, values.baseAddress, block, AIMS_MPI_FLOAT, &request, $0, $1) }
            stage = 1
        } else {
            stage = 2
        }
    }
}
