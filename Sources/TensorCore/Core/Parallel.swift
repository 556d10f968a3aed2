import Dispatch
import Foundation

/// Data-parallel loops over index ranges on all cores (`DispatchQueue.concurrentPerform`).
///
/// Work is split into contiguous chunks; each index is processed by exactly one chunk and every
/// kernel writes disjoint outputs, so results never depend on the number of threads.
public enum Parallel {
    /// Number of worker threads used for elementwise and per-window work: `AIMS_THREADS` when it is a positive
    /// integer (`aims` sets it for each rank sharing a machine under mpirun; 1 measures one core, as
    /// `scripts/bench_convert.py` does), else every core.
    public static let workerCount: Int = {
        if let text = ProcessInfo.processInfo.environment["AIMS_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body` on disjoint sub-ranges covering `0..<count`, concurrently when there is enough
    /// work (`count >= 2 * grain`), else inline on the caller's thread.
    /// - Parameter grain: the smallest number of indices worth a separate chunk.
    @inlinable
    public static func forEach(_ count: Int, grain: Int = 4096, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = min(workerCount * 4, count / max(grain, 1))
        if chunks < 2 || workerCount == 1 {
            body(0..<count)
            return
        }
        concurrentChunks(chunks, of: count, body)
    }

    /// Runs `body` on `chunks` contiguous ranges covering `0..<count` (chunk c is
    /// `count·c/chunks ..< count·(c+1)/chunks`), concurrently. The one place the loops here hand a
    /// non-escaping body to `concurrentPerform`.
    @usableFromInline
    static func concurrentChunks(_ chunks: Int, of count: Int, _ body: (Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in
            // Workers run in the caller's precision.
            let box = UnsafeSendableBox(body), precision = Precision.current, bits = Precision.operandBits
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                Precision.$current.withValue(precision) {
                    Precision.$operandBits.withValue(bits) { box.value((count * c / chunks)..<(count * (c + 1) / chunks)) }
                }
            }
        }
    }
}

/// Wraps a value so it can be captured by `concurrentPerform`'s closure; callers guarantee that
/// concurrent uses touch disjoint memory.
@usableFromInline
package struct UnsafeSendableBox<T>: @unchecked Sendable {
    @usableFromInline package let value: T
    @usableFromInline package init(_ value: T) { self.value = value }
}
