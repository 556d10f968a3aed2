/// The share of one rank in a global batch: contiguous positions `⌊n·r/N⌋ ..< ⌊n·(r+1)/N⌋` of the batch's
/// `n` examples for rank `r` of `N`. The batch itself comes from the seeded shuffle every rank draws
/// identically, so the sharding is deterministic; rank order is batch order, so the ranks' shards are the
/// micro-batches a single process would run one after another (docs/ARCHITECTURE.md, "Distributed").
public enum BatchShard {
    /// Positions in a batch of `count` examples that `rank` of `size` runs (empty when `count < size` for some ranks).
    public static func positions(rank: Int, size: Int, count: Int) -> Range<Int> {
        precondition(size > 0 && (0..<size).contains(rank) && count >= 0, "BatchShard: rank \(rank) of \(size), count \(count)")
        return (count * rank / size)..<(count * (rank + 1) / size)
    }
}
