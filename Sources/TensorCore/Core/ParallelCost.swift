/// Cost-based parallel loops: the caller states how many element operations one index costs and
/// the loop decides whether splitting pays (about 64 K operations in total), in at most 32 chunks.
/// Used by the image transforms and physics in `Sources/Transforms`, whose per-row work varies
/// with the image width rather than with a fixed grain.
///
/// As with `Parallel.forEach`, each index runs in exactly one chunk and callers write disjoint
/// outputs, so results never depend on the number of chunks or threads.
extension Parallel {
    /// Runs `body(row)` for every row in `0..<rows`, in up to 32 contiguous chunks run concurrently
    /// when `rows * cost` reaches 65 536 element operations, serially on the caller's thread otherwise.
    @inlinable
    public static func forEachRow(_ rows: Int, cost: Int, _ body: (Int) -> Void) {
        let work = rows * max(cost, 1)
        let chunks = work < 65_536 ? 1 : min(rows, 32)
        if chunks <= 1 {
            for r in 0..<max(rows, 0) { body(r) }
            return
        }
        concurrentChunks(chunks, of: rows) { range in
            for r in range { body(r) }
        }
    }

    /// Runs `body(range)` over `0..<count` split into contiguous ranges of about 64 K element
    /// operations each (`count * cost` in total), at most 32, concurrently when there are several.
    @inlinable
    public static func forEachRange(_ count: Int, cost: Int, _ body: (Range<Int>) -> Void) {
        let chunks = max(1, min(32, count * max(cost, 1) / 65_536))
        forEachRow(chunks, cost: 65_536) { c in body((count * c / chunks)..<(count * (c + 1) / chunks)) }
    }
}
