import Distributed
import Foundation

/// N ranks in one process, one thread each, for testing what runs on top of `Communicator` without mpirun:
/// every collective is an all-gather through shared memory, and `sumInRankOrder` adds the gathered values in
/// rank order, the contract `MPICommunicator` implements with MPI.
final class LocalGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[UInt8]?]
    private var round = 0, arrived = 0
    private var published: [[UInt8]] = []

    init(size: Int) { self.size = size; slots = Array(repeating: nil, count: size) }

    /// Every rank's bytes, once all have called it (a barrier per call).
    func exchange(_ bytes: [UInt8], rank: Int) -> [[UInt8]] {
        condition.lock(); defer { condition.unlock() }
        let myRound = round
        slots[rank] = bytes
        arrived += 1
        if arrived == size {
            published = slots.map { $0! }
            slots = Array(repeating: nil, count: size)
            arrived = 0
            round += 1
            condition.broadcast()
        } else {
            while round == myRound { condition.wait() }
        }
        return published
    }

    /// Runs `body(rank communicator)` on `size` threads and returns each rank's result in rank order.
    func run<T>(_ body: @escaping @Sendable (any Communicator) throws -> T) -> [Result<T, Error>] {
        let results = ResultBox<T>(size)
        let group = DispatchGroup()
        for r in 0..<size {
            let thread = Thread { [self] in
                results.set(r, Result { try body(Member(group: self, rank: r)) })
                group.leave()
            }
            group.enter()
            thread.start()
        }
        group.wait()
        return results.values.map { $0! }
    }

    final class ResultBox<T>: @unchecked Sendable {
        private let lock = NSLock()
        var values: [Result<T, Error>?]
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ v: Result<T, Error>) { lock.lock(); values[i] = v; lock.unlock() }
    }

    /// One rank's view of the group.
    final class Member: Communicator, @unchecked Sendable {
        let group: LocalGroup
        let rank: Int
        var size: Int { group.size }
        init(group: LocalGroup, rank: Int) { self.group = group; self.rank = rank }

        func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws { sum(values) }
        func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws { sum(values) }

        private func sum<T: BinaryFloatingPoint>(_ values: UnsafeMutableBufferPointer<T>) {
            let all = group.exchange(Array(UnsafeRawBufferPointer(values)), rank: rank)
            for i in values.indices {
                var s = all[0].withUnsafeBytes { $0.load(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self) }
                for q in 1..<size { s += all[q].withUnsafeBytes { $0.load(fromByteOffset: i * MemoryLayout<T>.stride, as: T.self) } }
                values[i] = s
            }
        }

        func allGather(_ bytes: [UInt8]) throws -> [[UInt8]] { group.exchange(bytes, rank: rank) }
        func broadcast(_ bytes: [UInt8], from root: Int) throws -> [UInt8] { group.exchange(bytes, rank: rank)[root] }
        func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {
            let all = group.exchange(Array(UnsafeRawBufferPointer(values)), rank: rank)
            all[root].withUnsafeBytes { src in _ = UnsafeMutableRawBufferPointer(values).copyBytes(from: src) }
        }
        func barrier() throws { _ = group.exchange([], rank: rank) }
    }
}
