import Distributed
import Foundation
import TensorCore
import XCTest

/// The Distributed target without mpirun: batch shards, the bucketed rank-order sum, the broadcast and the
/// replica check, on ranks simulated by threads (`LocalGroup`); and the launcher detection. MPI itself is
/// exercised by the CLI tests under mpirun.
final class DistributedTests: XCTestCase {
    func testShardsAreContiguousAndCoverTheBatchInRankOrder() {
        for size in 1...5 {
            for count in 0...11 {
                let shards = (0..<size).map { BatchShard.positions(rank: $0, size: size, count: count) }
                XCTAssertEqual(shards.first?.lowerBound, 0)
                XCTAssertEqual(shards.last?.upperBound, count)
                for (a, b) in zip(shards, shards.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                let counts = shards.map(\.count)
                XCTAssertLessThanOrEqual(counts.max()! - counts.min()!, 1, "size \(size), count \(count): \(counts)")
            }
        }
    }

    /// Tensors of 3, 7, 0 and 11 values summed over 3 ranks in buckets of 1, 5 and 1000 values (buckets that cut
    /// tensors, and one for all): every element equals ((x₀ + x₁) + x₂) computed here, bit for bit, whatever the bucket.
    func testBucketedSumIsTheRankOrderSumWhateverTheBucket() throws {
        let shapes = [[3], [7], [0], [11]]
        @Sendable func tensors(rank: Int) -> [Tensor] {
            var g = SeededGenerator(seed: UInt64(rank + 1))
            return shapes.map { Tensor(shape: $0, values: (0..<$0.reduce(1, *)).map { _ in g.nextUniform() * 1e3 - 500 }) }
        }
        let expected: [[Float]] = shapes.indices.map { t in
            (0..<tensors(rank: 0)[t].count).map { i in (tensors(rank: 0)[t].scalars[i] + tensors(rank: 1)[t].scalars[i]) + tensors(rank: 2)[t].scalars[i] }
        }
        for bucket in [1, 5, 1000] {
            let results = LocalGroup(size: 3).run { c -> [[Float]] in
                var ts = tensors(rank: c.rank)
                try TensorSum(bucketElements: bucket).sum(&ts, on: c)
                return ts.map(\.scalars)
            }
            for r in results {
                let got = try r.get()
                for t in shapes.indices { XCTAssertEqual(got[t].map(\.bitPattern), expected[t].map(\.bitPattern), "bucket \(bucket), tensor \(t)") }
            }
        }
    }

    /// The overlapped sum: tensors handed over in an order other than their buckets' (last first, one missing
    /// value summed as zeros), buckets of 1, 8 (whole tensors: 3+0 and 7 and 11) and 1000 values: every element
    /// is ((x₀ + x₁) + x₂) computed here, bit for bit, and the buckets start in order on every rank.
    func testOverlappedSumIsTheRankOrderSumWhateverTheBucketAndHandOverOrder() throws {
        let shapes = [[3], [0], [7], [11]]
        @Sendable func tensors(rank: Int) -> [Tensor?] {
            var g = SeededGenerator(seed: UInt64(rank + 7))
            let ts = shapes.map { Tensor(shape: $0, values: (0..<$0.reduce(1, *)).map { _ in g.nextUniform() * 1e3 - 500 }) }
            return ts.enumerated().map { rank == 1 && $0.offset == 2 ? nil : $0.element }
        }
        let expected: [[Float]] = shapes.indices.map { t in
            (0..<shapes[t].reduce(1, *)).map { i in
                (0..<3).map { r in tensors(rank: r)[t]?.scalars[i] ?? 0 }.dropFirst().reduce(tensors(rank: 0)[t]!.scalars[i], +)
            }
        }
        for (bucket, count) in [(1, 4), (8, 3), (1000, 1)] {
            XCTAssertEqual(OverlappedTensorSum(shapes: shapes, bucketElements: bucket, on: SingleProcess()).buckets.count, count, "bucket \(bucket)")
            let results = LocalGroup(size: 3).run { c -> [[Float]] in
                let ts = tensors(rank: c.rank)
                let sum = OverlappedTensorSum(shapes: shapes, bucketElements: bucket, on: c)
                for i in [3, 2, 1, 0] { try sum.ready(i, ts[i]); try sum.poll() }
                return try sum.finish().map(\.scalars)
            }
            for r in results {
                let got = try r.get()
                for t in shapes.indices { XCTAssertEqual(got[t].map(\.bitPattern), expected[t].map(\.bitPattern), "bucket \(bucket), tensor \(t)") }
            }
        }
    }

    func testBroadcastGivesEveryRankTheRootsTensors() throws {
        let results = LocalGroup(size: 3).run { c -> [Float] in
            var ts = [Tensor(shape: [2], values: [Float(c.rank), 7]), Tensor(shape: [0], values: [])]
            try c.broadcast(&ts, from: 1)
            return ts[0].scalars
        }
        for r in results { XCTAssertEqual(try r.get(), [1, 7]) }
    }

    /// Rank 2's second tensor differs by one unit in the last place: every rank stops naming that tensor and rank 2.
    func testReplicaCheckNamesTheFirstTensorThatDiffers() throws {
        let results = LocalGroup(size: 3).run { c -> Void in
            var b: [Float] = [1, 2, 3]
            if c.rank == 2 { b[1] = b[1].nextUp }
            let tensors = [(name: "a", value: Tensor(shape: [2], values: [4, 5])), (name: "b", value: Tensor(shape: [3], values: b)),
                           (name: "c", value: Tensor(shape: [1], values: [c.rank == 1 ? 9 : 8]))]
            try ReplicaCheck.verify(tensors, step: 40, on: c)
        }
        for r in results {
            XCTAssertThrowsError(try r.get()) { error in
                XCTAssertEqual(error as? DistributedError, .divergence(tensor: "b", ranks: [2], step: 40))
                XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("tensor b differs between rank 0 and rank 2") == true, "\(error)")
            }
        }
        let same = LocalGroup(size: 2).run { c in try ReplicaCheck.verify([(name: "a", value: Tensor(shape: [2], values: [4, 5]))], step: 1, on: c) }
        for r in same { XCTAssertNoThrow(try r.get()) }
    }

    func testDigestSeesValuesAndTheirPlaces() {
        let t = Tensor(shape: [3], values: [1, 2, 3])
        XCTAssertEqual(ReplicaCheck.digest(t), ReplicaCheck.digest(Tensor(shape: [3], values: [1, 2, 3])))
        XCTAssertNotEqual(ReplicaCheck.digest(t), ReplicaCheck.digest(Tensor(shape: [3], values: [2, 1, 3])))
        XCTAssertNotEqual(ReplicaCheck.digest(t), ReplicaCheck.digest(Tensor(shape: [3], values: [1, 2, Float(3).nextUp])))
        XCTAssertNotEqual(ReplicaCheck.digest(Tensor(shape: [1], values: [0])), ReplicaCheck.digest(Tensor(shape: [2], values: [0, 0])))
    }

    func testSingleProcessIsTheIdentity() throws {
        let c = SingleProcess()
        var v: [Float] = [1.5, -2]
        try c.sumInRankOrder(&v)
        XCTAssertEqual(v, [1.5, -2])
        XCTAssertEqual(try c.allGather([1, 2]), [[1, 2]])
        XCTAssertEqual(try c.broadcast([3], from: 0), [3])
        XCTAssertTrue(c.isRoot); XCTAssertEqual(c.size, 1)
    }

    /// Not started by mpirun: one process, MPI never loaded.
    func testAProcessRunAloneIsASingleProcess() throws {
        let env = ProcessInfo.processInfo.environment
        try XCTSkipIf(env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil, "the tests themselves run under mpirun")
        XCTAssertFalse(DistributedLaunch.isUnderMPI)
        XCTAssertTrue(try DistributedLaunch.world() is SingleProcess)
    }

    /// Started by a launcher but Open MPI cannot be loaded: an error saying what to install, not a crash.
    func testAMissingMPILibraryIsAnErrorNamingTheRemedy() throws {
        let env = ProcessInfo.processInfo.environment
        try XCTSkipIf(env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil, "the tests themselves run under mpirun")
        setenv("OMPI_COMM_WORLD_SIZE", "2", 1); setenv("AIMS_LIBMPI", "/nonexistent/libmpi.so.40", 1)
        defer { unsetenv("OMPI_COMM_WORLD_SIZE"); unsetenv("AIMS_LIBMPI") }
        XCTAssertTrue(DistributedLaunch.isUnderMPI)
        XCTAssertThrowsError(try DistributedLaunch.world()) { error in
            let text = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(text.contains("/nonexistent/libmpi.so.40") && text.contains("openmpi-bin"), text)
        }
    }
}
