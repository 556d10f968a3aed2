import Dispatch

/// A pointer wrapper that may cross into `concurrentPerform` workers. Each worker writes a
/// disjoint set of rows, which is what makes the unchecked conformance sound.
@usableFromInline
struct SharedPointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<T>
    @usableFromInline init(_ base: UnsafeMutablePointer<T>) { self.base = base }
}

@usableFromInline
struct SharedReadPointer<T>: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<T>
    @usableFromInline init(_ base: UnsafePointer<T>) { self.base = base }
}

/// Runs `body(row)` for every row in `0..<rows`, in parallel chunks when the work is large
/// (`rows * cost` above about 64 K element operations), serially otherwise.
@inlinable
func forEachRow(_ rows: Int, cost: Int, _ body: @Sendable (Int) -> Void) {
    let work = rows * max(cost, 1)
    let chunks = work < 65_536 ? 1 : min(rows, 32)
    if chunks <= 1 {
        for r in 0..<rows { body(r) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let lo = rows * chunk / chunks
        let hi = rows * (chunk + 1) / chunks
        for r in lo..<hi { body(r) }
    }
}

/// Runs `body(range)` over `0..<count` split into contiguous ranges (parallel when `count * cost` is large).
@inlinable
func forEachRange(_ count: Int, cost: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = max(1, min(32, count * max(cost, 1) / 65_536))
    forEachRow(chunks, cost: 65_536) { c in body((count * c / chunks)..<(count * (c + 1) / chunks)) }
}
