import TensorCore

/// The check that every rank still holds the same model: a 64-bit digest of each tensor's bits, gathered
/// from every rank and compared with rank 0's. Data-parallel training keeps the replicas identical only as
/// long as every rank applies the same update to the same values; a rank that diverged (a bug, a bad node's
/// memory) would silently train another model, so the job stops naming the first tensor that differs.
public enum ReplicaCheck {
    /// A position-sensitive digest of the tensor's Float32 bit patterns (Fletcher-style sums modulo 2⁶⁴):
    /// equal tensors give equal digests; any changed value almost surely changes it. About 1 ns per value.
    public static func digest(_ t: Tensor) -> UInt64 {
        t.withUnsafeBufferPointer { b in
            var a: UInt64 = 0, s: UInt64 = 0
            b.withMemoryRebound(to: UInt32.self) { w in
                for x in w { a &+= UInt64(x) &+ 1; s &+= a }
            }
            return (a &* 0x9E37_79B9_7F4A_7C15) ^ s ^ UInt64(b.count)
        }
    }

    /// Throws `DistributedError.divergence` naming the first tensor of `tensors` (in order) whose digest
    /// differs between rank 0 and another rank, with every rank that differs there. The same on every rank.
    public static func verify(_ tensors: [(name: String, value: Tensor)], step: Int, on communicator: any Communicator) throws {
        guard communicator.size > 1 else { return }
        let mine = tensors.map { digest($0.value) }
        let all = try communicator.allGather(values: mine)
        for (r, d) in all.enumerated() where d.count != mine.count {
            throw DistributedError.inconsistent(what: "the model's tensors", detail: "rank \(r) has \(d.count), rank \(communicator.rank) \(mine.count)")
        }
        for i in tensors.indices {
            let differ = (1..<all.count).filter { all[$0][i] != all[0][i] }
            if !differ.isEmpty { throw DistributedError.divergence(tensor: tensors[i].name, ranks: differ, step: step) }
        }
    }
}
